import FaceID
import Tensors

/// The identity guidance of Eqs. 7 and 9, written once: the sampler applies it and the mask trainer
/// differentiates through it, so the update the mask is trained for is the one the user runs.
public enum IdentityGuidance {
    /// Eq. 7: L_arc = D_cos(f(ŷ_{0,t}), f(g(x))), summed over the batch (`target` holds f(g(x))).
    public static func loss(_ predictedStart: Variable, target: Variable, recognizer: FaceRecognizer) -> Variable {
        identityLoss(recognizer.descriptors(predictedStart), target).sum()
    }

    /// Eq. 7, L_arc = D_cos(f(ŷ_{0,t}), f(g(x))) summed over the batch, and its gradient with respect to
    /// y_t with ε̂ held fixed: (1/√ᾱ_t)·∇_{ŷ0} L_arc (the cheap default; the exact one runs through the UNet).
    public static func heldNoiseGradient(predictedStart: Tensor, alphaBars: [Double], target: Variable,
                                         recognizer: FaceRecognizer) -> (gradient: Tensor, loss: Float) {
        withGradients {
            let start = Variable(predictedStart, requiresGradient: true)
            let loss = loss(start, target: target, recognizer: recognizer)
            loss.backward()
            return (start.gradient! * DiffusionMath.heldNoiseChainFactor(alphaBars: alphaBars, shape: predictedStart.shape), loss.value.scalar)
        }
    }

    /// Eq. 9 in the classifier-guidance sign convention: v − k·(∇L ⊙ M), a step that lowers L_arc
    /// where M is 1. The sampler shifts the posterior mean with k = s·σ_t² (DDPM) or ε̂ with
    /// k = −s·√(1 − ᾱ_t) (DDIM); the mask trainer shifts y_t and differentiates through M.
    public static func shifted(_ value: Variable, by gradient: Variable, mask: Variable?, factor: Float) -> Variable {
        value - masked(gradient, mask) * factor
    }

    public static func shifted(_ value: Tensor, by gradient: Tensor, mask: Tensor?, factor: Float) -> Tensor {
        withoutGradients { shifted(Variable(value), by: Variable(gradient), mask: mask.map { Variable($0) }, factor: factor) }.value
    }

    /// ∇L ⊙ M (∇L itself without a mask).
    public static func masked(_ gradient: Variable, _ mask: Variable?) -> Variable { mask.map { gradient * $0 } ?? gradient }
}
