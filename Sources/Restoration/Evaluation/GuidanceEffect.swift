import Tensors

/// How far guidance moved an image away from the unguided one on the same noise, and where: the
/// region-adaptive claim in one number (masked guidance should change the face mostly inside M).
public struct GuidanceEffect: Equatable, Sendable {
    /// Mean absolute change per pixel (averaged over channels), on the [0, 1] scale of an image.
    public var meanChange: Float
    /// The share of that change inside the mask: Σ d·M / Σ d over pixels; nil when nothing changed.
    public var shareInMask: Float?
    /// The mask's mean, what the share would be if the change ignored the mask.
    public var maskCoverage: Float

    public init(meanChange: Float, shareInMask: Float?, maskCoverage: Float) {
        self.meanChange = meanChange
        self.shareInMask = shareInMask
        self.maskCoverage = maskCoverage
    }

    /// `guided` and `unguided` are [1, C, R, R] in [−1, 1]; `mask` is [1, 1, R, R] in [0, 1].
    public init(guided: Tensor, unguided: Tensor, mask: Tensor) {
        precondition(guided.shape == unguided.shape && guided.rank == 4 && guided.shape[0] == 1, "two [1, C, R, R] images")
        precondition(mask.shape == [1, 1, guided.shape[2], guided.shape[3]], "a [1, 1, R, R] mask")
        let (channels, plane) = (guided.shape[1], guided.shape[2] * guided.shape[3])
        var total: Float = 0, inside: Float = 0
        for p in 0..<plane {
            var d: Float = 0
            for c in 0..<channels { d += abs(guided.scalars[c * plane + p] - unguided.scalars[c * plane + p]) }
            d /= 2 * Float(channels)
            total += d
            inside += d * mask.scalars[p]
        }
        meanChange = total / Float(plane)
        shareInMask = total > 0 ? inside / total : nil
        maskCoverage = mask.sum() / Float(plane)
    }
}
