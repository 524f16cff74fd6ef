import Tensors

/// Identity loss D_cos = 1 − cos(f(a), f(b)) per row of two [N, 128] descriptor sets (Eq. 4, 7).
public func identityLoss(_ a: Variable, _ b: Variable) -> Variable {
    cosineSimilarity(a, b) * -1 + 1
}

/// Scores comparing two descriptors: IDS (cosine), Euclidean distance and dlib's verdict.
public struct IdentityComparison: Sendable, Equatable, Codable {
    public let cosine: Float
    public let distance: Float
    public let samePerson: Bool

    public init(_ a: [Float], _ b: [Float], threshold: Float = 0.6) {
        precondition(a.count == b.count, "descriptors of different lengths")
        var dot: Float = 0, na: Float = 0, nb: Float = 0, d2: Float = 0
        for i in a.indices {
            dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]
            d2 += (a[i] - b[i]) * (a[i] - b[i])
        }
        cosine = dot / max((na * nb).squareRoot(), 1e-12)
        distance = d2.squareRoot()
        samePerson = distance < threshold
    }
}

extension FaceRecognizer {
    /// The face-perceptual distance (our stand-in for LPIPS, which needs ImageNet backbones we
    /// cannot have): for each of the recognizer's feature maps (stem and stages 1–4), features are
    /// normalised to unit length across channels at every position, and the squared differences
    /// are summed over channels and averaged over positions; the result is the mean over the five
    /// maps, per image ([N]). No learned weights; differentiable in both images.
    public func perceptualDistance(_ a: Variable, _ b: Variable) -> Variable {
        perceptualDistance(betweenMaps: features(normalisedInput: networkInput(a)).maps, features(normalisedInput: networkInput(b)).maps)
    }

    /// The same distance from feature maps already computed (`features(normalisedInput:).maps`), so that a
    /// descriptor and the distance come from one pass, or a fixed image's maps serve many comparisons.
    public func perceptualDistance(betweenMaps mapsA: [Variable], _ mapsB: [Variable]) -> Variable {
        let n = mapsA[0].shape[0]
        var total: Variable? = nil
        for (fa, fb) in zip(mapsA, mapsB) {
            let difference = unitChannels(fa) - unitChannels(fb)
            let perImage = difference.squared().sum(axes: [1]).mean(axes: [2, 3]).reshaped([n])
            total = total.map { $0 + perImage } ?? perImage
        }
        return total! * (1 / Float(mapsA.count))
    }

    private func unitChannels(_ f: Variable) -> Variable {
        f / (f.squared().sum(axes: [1]) + 1e-10).squareRoot()
    }
}
