import Tensors

/// The shape of the IPC g_φ, saved beside its weights.
public struct ConditionerConfiguration: Codable, Equatable, Sendable {
    public var resolution: Int
    /// Channel width of the residual trunk, which works at half resolution.
    public var width: Int
    public var blocks: Int

    public init(resolution: Int, width: Int, blocks: Int) {
        self.resolution = resolution
        self.width = width
        self.blocks = blocks
    }

    /// The default at R = 64: about 0.6 M parameters, 1.2 GFLOP per image.
    public static let standard = ConditionerConfiguration(resolution: 64, width: 64, blocks: 8)
}

/// The Identity Preserving Conditioner g_φ (Sec. 3.1): a residual CNN that maps the degraded x to
/// an estimate of y_0. The paper notes the IPC is model-agnostic; ours works at half resolution
/// (space-to-depth, a trunk of residual blocks, depth-to-space) and adds its output to x.
public final class IdentityPreservingConditioner: Module {
    public let configuration: ConditionerConfiguration
    let head: Conv2d, trunk: [(Conv2d, Conv2d)], tail: Conv2d

    public init(_ configuration: ConditionerConfiguration, seed: UInt64 = 0) {
        self.configuration = configuration
        var g = SeededGenerator(seed: seed)
        let w = configuration.width
        head = Conv2d(12, w, kernel: 3, padding: 1, generator: &g)
        trunk = (0..<configuration.blocks).map { _ in
            (Conv2d(w, w, kernel: 3, padding: 1, generator: &g), Conv2d(w, w, kernel: 3, padding: 1, generator: &g))
        }
        tail = Conv2d(w, 12, kernel: 3, padding: 1, generator: &g)
        // Start as the identity map: the residual branch's last layer begins at zero.
        tail.weight.assign(Tensor(zeros: tail.weight.shape))
        tail.bias!.assign(Tensor(zeros: tail.bias!.shape))
    }

    /// g(x) for degraded faces x in [−1, 1], [N, 3, R, R] (R even).
    public func callAsFunction(_ x: Variable) -> Variable {
        var h = head(x.pixelUnshuffled(factor: 2)).relu()
        for (a, b) in trunk { h = h + b(a(h).relu()) }
        return x + tail(h).pixelShuffled(factor: 2)
    }

    public var namedParameters: [(name: String, variable: Variable)] {
        var list = nested("head", head)
        for (i, (a, b)) in trunk.enumerated() { list += nested("trunk.\(i).0", a) + nested("trunk.\(i).1", b) }
        return list + nested("tail", tail)
    }
}

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
