import Tensors

/// The closed-form relations of the paper's Eqs. 1–3 and 6 on tensors.
public enum DiffusionMath {
    /// Eq. 3: y_t = √ᾱ_t·y_0 + √(1 − ᾱ_t)·ε.
    public static func noised(_ start: Tensor, noise: Tensor, alphaBar: Double) -> Tensor {
        let a = Float(alphaBar.squareRoot()), b = Float((1 - alphaBar).squareRoot())
        return Tensor.combined(start, noise) { a * $0 + b * $1 }
    }

    /// Eq. 6: ŷ_{0,t} = (y_t − √(1 − ᾱ_t)·ε̂) / √ᾱ_t.
    public static func predictedStart(_ current: Tensor, noise: Tensor, alphaBar: Double) -> Tensor {
        let a = Float(1 / alphaBar.squareRoot()), b = Float((1 - alphaBar).squareRoot() / alphaBar.squareRoot())
        return Tensor.combined(current, noise) { a * $0 - b * $1 }
    }

    /// The noise that relates y_t and y_0 (Eq. 3 solved for ε).
    public static func noise(relating current: Tensor, to start: Tensor, alphaBar: Double) -> Tensor {
        let a = Float(alphaBar.squareRoot()), b = Float(1 / (1 - alphaBar).squareRoot())
        return Tensor.combined(current, start) { ($0 - a * $1) * b }
    }
}
