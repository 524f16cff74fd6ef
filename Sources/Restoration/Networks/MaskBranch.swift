import Tensors

/// The shape of the mask sub-branch.
public struct MaskConfiguration: Codable, Equatable, Sendable {
    public var width: Int
    public init(width: Int) { self.width = width }
    public static let standard = MaskConfiguration(width: 24)
}

/// The mask sub-branch (Sec. 3.2.1): (x, M′) → M, a small CNN whose sigmoid output is made binary
/// at 0.5, with a straight-through gradient in training.
public final class MaskBranch: Module {
    public let configuration: MaskConfiguration
    let conv1: Conv2d, conv2: Conv2d, conv3: Conv2d

    public init(_ configuration: MaskConfiguration, seed: UInt64 = 0) {
        self.configuration = configuration
        var g = SeededGenerator(seed: seed)
        let w = configuration.width
        conv1 = Conv2d(4, w, kernel: 3, padding: 1, generator: &g)
        conv2 = Conv2d(w, w, kernel: 3, padding: 1, generator: &g)
        conv3 = Conv2d(w, 1, kernel: 3, padding: 1, generator: &g)
        // Start by passing M′ through: a positive weight on the proxy channel's centre tap.
        var weight = conv1.weight.value
        for o in 0..<w { weight.scalars[((o * 4 + 3) * 3 + 1) * 3 + 1] += 0.5 }
        conv1.weight.assign(weight)
    }

    /// Mask probabilities in (0, 1), [N, 1, R, R], from x ([N, 3, R, R], [−1, 1]) and M′ ([N, 1, R, R], {0, 1}).
    public func probabilities(_ x: Variable, proxy: Variable) -> Variable {
        let input = concatenate([x, proxy * 2 - 1], axis: 1)
        return conv3(conv2(conv1(input).relu()).relu()).sigmoid()
    }

    /// The binary mask M (straight-through gradient).
    public func callAsFunction(_ x: Variable, proxy: Variable) -> Variable {
        probabilities(x, proxy: proxy).straightThroughStep(threshold: 0.5)
    }

    public var namedParameters: [(name: String, variable: Variable)] {
        nested("conv1", conv1) + nested("conv2", conv2) + nested("conv3", conv3)
    }
}

/// Eq. 8: M′ = 1[max over RGB of |g(x) − x| > δ] on the [0, 1] scale (images given in [−1, 1]):
/// a [N, 1, R, R] mask.
public func proxyMask(conditioned: Tensor, degraded: Tensor, delta: Float) -> Tensor {
    precondition(conditioned.shape == degraded.shape && conditioned.rank == 4 && conditioned.shape[1] == 3,
                 "proxyMask needs two [N, 3, H, W] images of one shape")
    let (n, h, w) = (conditioned.shape[0], conditioned.shape[2], conditioned.shape[3])
    let plane = h * w
    var out = [Float](repeating: 0, count: n * plane)
    for b in 0..<n {
        for i in 0..<plane {
            var largest: Float = 0
            for c in 0..<3 {
                let k = (b * 3 + c) * plane + i
                largest = max(largest, abs(conditioned.scalars[k] - degraded.scalars[k]) / 2)
            }
            out[b * plane + i] = largest > delta ? 1 : 0
        }
    }
    return Tensor(shape: [n, 1, h, w], scalars: out)
}
