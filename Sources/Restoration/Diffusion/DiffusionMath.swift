import Tensors

/// The closed-form relations of the paper's Eqs. 1–3 and 6, written once: the sampler, the three
/// trainers, the explorer and the evaluation all call these. Batched forms take one ᾱ_t per sample.
public enum DiffusionMath {
    /// Eq. 3: y_t = √ᾱ_t·y_0 + √(1 − ᾱ_t)·ε.
    public static func noised(_ start: Tensor, noise: Tensor, alphaBars: [Double]) -> Tensor {
        start * perSample(alphaBars, start.shape) { $0.squareRoot() } + noise * perSample(alphaBars, start.shape) { (1 - $0).squareRoot() }
    }

    public static func noised(_ start: Tensor, noise: Tensor, alphaBar: Double) -> Tensor {
        noised(start, noise: noise, alphaBars: [Double](repeating: alphaBar, count: start.shape[0]))
    }

    /// Eq. 6: ŷ_{0,t} = (y_t − √(1 − ᾱ_t)·ε̂) / √ᾱ_t, differentiable in y_t and ε̂.
    public static func predictedStart(_ current: Variable, noise: Variable, alphaBars: [Double]) -> Variable {
        current * Variable(perSample(alphaBars, current.shape) { 1 / $0.squareRoot() })
            - noise * Variable(perSample(alphaBars, current.shape) { (1 - $0).squareRoot() / $0.squareRoot() })
    }

    public static func predictedStart(_ current: Tensor, noise: Tensor, alphaBar: Double) -> Tensor {
        withoutGradients {
            predictedStart(Variable(current), noise: Variable(noise), alphaBars: [Double](repeating: alphaBar, count: current.shape[0]))
        }.value
    }

    /// The noise that relates y_t and y_0 (Eq. 3 solved for ε).
    public static func noise(relating current: Tensor, to start: Tensor, alphaBar: Double) -> Tensor {
        let a = Float(alphaBar.squareRoot()), b = Float(1 / (1 - alphaBar).squareRoot())
        return Tensor.combined(current, start) { ($0 - a * $1) * b }
    }

    /// d y_t / d ŷ_{0,t} with ε̂ held fixed is √ᾱ_t, so ∇_{y_t} = ∇_{ŷ0} / √ᾱ_t, per sample.
    public static func heldNoiseChainFactor(alphaBars: [Double], shape: [Int]) -> Tensor {
        perSample(alphaBars, shape) { 1 / $0.squareRoot() }
    }

    /// A [N, 1, 1, …] tensor of f(ᾱ) per sample, broadcasting over the rest of `shape`.
    static func perSample(_ alphaBars: [Double], _ shape: [Int], _ f: (Double) -> Double) -> Tensor {
        precondition(alphaBars.count == shape[0], "one ᾱ_t per sample: \(alphaBars.count) for a batch of \(shape[0])")
        return Tensor(shape: [shape[0]] + [Int](repeating: 1, count: shape.count - 1), scalars: alphaBars.map { Float(f($0)) })
    }
}
