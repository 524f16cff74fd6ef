import Testing
@testable import Tensors

/// Compares the tape's gradients with central finite differences.
///
/// The function's output is reduced to a scalar with fixed random weights, L = Σ f(x)·R, so every
/// output element contributes. Everything is float32, so differences use h = 1e-2: for the small,
/// smooth inputs used here (|L| ≲ 10, sums accumulated in double) the rounding error ε·|L|/h and the
/// truncation error ∝ h² both stay near 1e-4, so a gradient passes when
/// |analytic − numeric| ≤ 1e-3 + 5e-3·|numeric|. That still catches a backward that is 1 % off
/// (checked by perturbing SiLU's derivative by 1 %: the activation and network checks fail).
func checkGradients(_ inputs: [Tensor], seed: UInt64 = 1, h: Float = 1e-2,
                    sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Variable]) -> Variable) {
    let variables = inputs.map { Variable($0, requiresGradient: true) }
    let output = f(variables)
    var generator = SeededGenerator(seed: seed)
    let weights = Variable(Tensor(randomNormal: output.shape, generator: &generator))
    let loss = (output * weights).sum()
    loss.backward()

    func evaluate(_ values: [Tensor]) -> Float {
        withoutGradients { (f(values.map { Variable($0) }).value * weights.value).sum() }
    }
    for (index, input) in inputs.enumerated() {
        let analytic = variables[index].gradient ?? Tensor(zeros: input.shape)
        for i in 0..<input.count {
            var plus = inputs, minus = inputs
            plus[index].scalars[i] += h
            minus[index].scalars[i] -= h
            let numeric = (evaluate(plus) - evaluate(minus)) / (2 * h)
            let error = abs(analytic.scalars[i] - numeric)
            if error > 1e-3 + 5e-3 * abs(numeric) {
                Issue.record("input \(index) element \(i): analytic \(analytic.scalars[i]) vs numeric \(numeric)", sourceLocation: sourceLocation)
                return
            }
        }
    }
}

/// Random input with a fixed seed, values in [−1, 1] (or a given range).
func random(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(randomUniform: shape, in: range, generator: &generator)
}

/// Values kept at least `gap` away from zero, for ops with a kink there (ReLU, abs).
func awayFromZero(_ shape: [Int], seed: UInt64, gap: Float = 0.1) -> Tensor {
    random(shape, seed: seed).map { $0 >= 0 ? $0 + gap : $0 - gap }
}
