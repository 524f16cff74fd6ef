/// Adam (Kingma & Ba) and AdamW (decoupled weight decay, Loshchilov & Hutter), with PyTorch's
/// update rule and defaults.
public final class Adam {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    public var weightDecay: Float
    /// true: AdamW (decay applied to the weights directly); false: L2 added to the gradient.
    public let decoupledWeightDecay: Bool
    public let parameters: [Variable]
    public private(set) var step = 0
    public private(set) var firstMoments: [Tensor]
    public private(set) var secondMoments: [Tensor]

    public init(parameters: [Variable], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = true) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        firstMoments = parameters.map { Tensor(zeros: $0.shape) }
        secondMoments = parameters.map { Tensor(zeros: $0.shape) }
    }

    /// One update from the parameters' current gradients (parameters without one are left alone).
    public func update() {
        step += 1
        let correction1 = 1 - powf(beta1, Float(step)), correction2 = 1 - powf(beta2, Float(step))
        let stepSize = learningRate / correction1
        let rootCorrection2 = correction2.squareRoot()
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.gradient else { continue }
            var w = parameter.value
            let (b1, b2, eps, lr, decay) = (beta1, beta2, epsilon, learningRate, weightDecay)
            let decoupled = decoupledWeightDecay
            w.scalars.withUnsafeMutableBufferPointer { w in
                firstMoments[index].scalars.withUnsafeMutableBufferPointer { m in
                    secondMoments[index].scalars.withUnsafeMutableBufferPointer { v in
                        gradient.scalars.withUnsafeBufferPointer { g in
                            for i in 0..<w.count {
                                var grad = g[i]
                                if decay != 0 {
                                    if decoupled { w[i] -= lr * decay * w[i] } else { grad += decay * w[i] }
                                }
                                m[i] = b1 * m[i] + (1 - b1) * grad
                                v[i] = b2 * v[i] + (1 - b2) * grad * grad
                                w[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
                            }
                        }
                    }
                }
            }
            parameter.assign(w)
        }
    }

    /// Restores the optimiser's state (from a checkpoint).
    public func restore(step: Int, firstMoments: [Tensor], secondMoments: [Tensor]) {
        precondition(firstMoments.map(\.shape) == parameters.map(\.shape) && secondMoments.map(\.shape) == parameters.map(\.shape),
                     "optimiser state does not match the parameters")
        self.step = step
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the norm before.
@discardableResult
public func clipGradientNorm(_ parameters: [Variable], maxNorm: Float) -> Float {
    let total = parameters.reduce(Float(0)) { $0 + ($1.gradient?.squaredNorm ?? 0) }.squareRoot()
    if total > maxNorm {
        let scale = maxNorm / (total + 1e-6)
        for p in parameters { p.gradient = p.gradient.map { $0 * scale } }
    }
    return total
}

/// An exponential moving average of parameters: shadow ← decay·shadow + (1 − decay)·value.
public final class ExponentialMovingAverage {
    public let decay: Float
    /// With warm-up the decay of update n is min(decay, (1 + n) / (10 + n)), so that a short run's
    /// average is not dominated by the random initial weights.
    public let warmup: Bool
    public private(set) var shadow: [Tensor]
    public private(set) var updates = 0

    public init(parameters: [Variable], decay: Float = 0.999, warmup: Bool = false) {
        self.decay = decay
        self.warmup = warmup
        shadow = parameters.map(\.value)
    }

    /// The decay the next update uses.
    public var currentDecay: Float { warmup ? min(decay, Float(1 + updates) / Float(10 + updates)) : decay }

    public func update(from parameters: [Variable]) {
        precondition(parameters.count == shadow.count, "EMA tracks \(shadow.count) parameters, got \(parameters.count)")
        let d = currentDecay
        for (i, p) in parameters.enumerated() {
            p.value.scalars.withUnsafeBufferPointer { x in
                shadow[i].scalars.withUnsafeMutableBufferPointer { s in
                    for k in 0..<s.count { s[k] = d * s[k] + (1 - d) * x[k] }
                }
            }
        }
        updates += 1
    }

    /// Writes the averaged values into `parameters` (for evaluation or export).
    public func copy(to parameters: [Variable]) {
        for (p, s) in zip(parameters, shadow) { p.assign(s) }
    }

    /// Runs `body` with the averaged values in `parameters`, then puts their own values back.
    public func withAverage<T>(in parameters: [Variable], _ body: () throws -> T) rethrows -> T {
        let saved = parameters.map(\.value)
        copy(to: parameters)
        defer { for (p, v) in zip(parameters, saved) { p.assign(v) } }
        return try body()
    }

    public func restore(shadow: [Tensor], updates: Int) {
        precondition(shadow.map(\.shape) == self.shadow.map(\.shape), "EMA state does not match the parameters")
        self.shadow = shadow
        self.updates = updates
    }
}

#if canImport(Glibc)
import Glibc
#endif
