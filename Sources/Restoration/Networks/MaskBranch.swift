import Foundation
import Tensors

/// The shape of the mask branch, saved beside its weights.
public struct MaskConfiguration: Codable, Equatable, Sendable {
    public enum Architecture: String, Codable, Sendable {
        /// The first branch: three 3×3 convolutions on (x, M′) alone; it sees 7 px and learns speckle.
        case standalone
        /// The paper's "small sub-branch of the IPC": it reads the IPC's deep features beside (x, M′)
        /// and decides on a grid of R/4 × R/4 cells, upsampled bilinearly, so M is made of whole regions
        /// (deciding at full resolution, with M′ beside the decision, it learned edges and speckle).
        case subBranch
    }

    public var architecture: Architecture
    public var width: Int
    /// subBranch: the channels of the IPC features it reads (the IPC's full-resolution width).
    public var featureChannels: Int

    public init(architecture: Architecture = .standalone, width: Int, featureChannels: Int = 0) {
        self.architecture = architecture
        self.width = width
        self.featureChannels = featureChannels
    }

    /// The first branch's shape.
    public static let standard = MaskConfiguration(width: 24)

    /// A sub-branch of `conditioner` (reading its features).
    public static func subBranch(of conditioner: ConditionerConfiguration, width: Int = 32) -> MaskConfiguration {
        MaskConfiguration(architecture: .subBranch, width: width, featureChannels: conditioner.widths[0])
    }

    enum CodingKeys: String, CodingKey { case architecture, width, featureChannels }

    /// Files written before the sub-branch existed hold only "width".
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architecture = try c.decodeIfPresent(Architecture.self, forKey: .architecture) ?? .standalone
        width = try c.decode(Int.self, forKey: .width)
        featureChannels = try c.decodeIfPresent(Int.self, forKey: .featureChannels) ?? 0
        if let problem {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem))
        }
    }
}

/// The mask branch (Sec. 3.2.1): (x, M′) and, as a sub-branch of the IPC, its deep features → M,
/// a sigmoid output made binary at 0.5, with a straight-through gradient in training.
public final class MaskBranch: Module {
    public let configuration: MaskConfiguration
    let conv1: Conv2d, conv2: Conv2d, conv3: Conv2d
    /// Sub-branch only: conv2 and conv3 have stride 2 and conv4 decides at R/4.
    let conv4: Conv2d?

    public init(_ configuration: MaskConfiguration, seed: UInt64 = 0) {
        self.configuration = configuration
        var g = SeededGenerator(seed: seed)
        let w = configuration.width
        switch configuration.architecture {
        case .standalone:
            conv1 = Conv2d(4, w, kernel: 3, padding: 1, generator: &g)
            conv2 = Conv2d(w, w, kernel: 3, padding: 1, generator: &g)
            conv3 = Conv2d(w, 1, kernel: 3, padding: 1, generator: &g)
            conv4 = nil
            // Start by passing M′ through: a positive weight on the proxy channel's centre tap.
            var weight = conv1.weight.value
            for o in 0..<w { weight.scalars[((o * 4 + 3) * 3 + 1) * 3 + 1] += 0.5 }
            conv1.weight.assign(weight)
        case .subBranch:
            conv1 = Conv2d(configuration.featureChannels + 4, w, kernel: 3, padding: 1, generator: &g)
            conv2 = Conv2d(w, w, kernel: 3, stride: 2, padding: 1, generator: &g)
            conv3 = Conv2d(w, w, kernel: 3, stride: 2, padding: 1, generator: &g)
            // A fresh branch starts undecided (p = ½ everywhere) so that the first steps choose its regions.
            let last = Conv2d(w, 1, kernel: 3, padding: 1, generator: &g)
            last.zeroInitialise()
            conv4 = last
        }
    }

    /// Mask probabilities in (0, 1), [N, 1, R, R], from x ([N, 3, R, R], [−1, 1]), M′ ([N, 1, R, R],
    /// {0, 1}) and, for a sub-branch, the IPC's features ([N, C, R/k, R/k], upsampled to R).
    /// `decisionNoise` ([N, 1] × `decisionGrid`) is added to the logits where the branch decides, before
    /// they are resized to R: training draws it (`logisticNoise`), so that M is a Bernoulli draw there.
    public func probabilities(_ x: Variable, proxy: Variable, features: Variable? = nil, decisionNoise: Tensor? = nil) -> Variable {
        let input = concatenate([x, proxy * 2 - 1], axis: 1)
        guard let conv4 else { return Self.noised(conv3(conv2(conv1(input).relu()).relu()), decisionNoise).sigmoid() }
        guard var features else { preconditionFailure("the mask sub-branch needs the IPC's features") }
        if features.shape[2] != x.shape[2] { features = features.nearestUpsampled(factor: x.shape[2] / features.shape[2]) }
        let h = conv3(conv2(conv1(concatenate([features, input], axis: 1)).relu()).relu()).relu()
        return Self.noised(conv4(h), decisionNoise).bilinearResized(height: x.shape[2], width: x.shape[3]).sigmoid()
    }

    /// The binary mask M (straight-through gradient); with `decisionNoise`, a draw of it (see `probabilities`).
    public func callAsFunction(_ x: Variable, proxy: Variable, features: Variable? = nil, decisionNoise: Tensor? = nil) -> Variable {
        probabilities(x, proxy: proxy, features: features, decisionNoise: decisionNoise).straightThroughStep(threshold: 0.5)
    }

    /// The side of the square grid the branch decides on at model resolution `resolution`: R/4 for a
    /// sub-branch (two stride-2 convolutions), R for the standalone branch.
    public func decisionGrid(resolution: Int) -> Int {
        conv4 == nil ? resolution : (resolution + 3) / 4
    }

    /// Logistic noise log u − log(1 − u), u uniform in (0, 1), times `scale`: with scale 1, a logit ℓ plus this
    /// is positive with probability σ(ℓ), so thresholding it draws M ~ Bernoulli(p). Where the threshold
    /// alone would let logits hover at 0 (the straight-through gradient flips sign as M flips), a draw
    /// makes an undecided cell cost the objective, and the branch commits to on or off.
    public static func logisticNoise(shape: [Int], scale: Float = 1, generator: inout SeededGenerator) -> Tensor {
        let count = shape.reduce(1, *)
        let scalars = (0..<count).map { _ -> Float in
            let u = (Double(generator.next() >> 11) + 0.5) / Double(1 << 53)
            return scale * Float(log(u) - log(1 - u))
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    static func noised(_ logits: Variable, _ noise: Tensor?) -> Variable {
        guard let noise else { return logits }
        precondition(noise.shape == logits.shape, "decision noise \(noise.shape) for logits \(logits.shape)")
        return logits + Variable(noise)
    }

    public var namedParameters: [(name: String, variable: Variable)] {
        nested("conv1", conv1) + nested("conv2", conv2) + nested("conv3", conv3) + nested("conv4", conv4)
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
