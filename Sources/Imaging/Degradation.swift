import Tensors

/// The values of one draw of the degradation model (Eq. 10): `((I ⊗ k_σ)↓s + n)_JPEG q`, then
/// resized back to the input's size.
public struct DegradationParameters: Codable, Equatable, Sendable {
    /// Gaussian blur standard deviation, in pixels of the input.
    public var blurSigma: Double
    /// Downscaling factor s (≥ 1); the small image is round(side / s) pixels.
    public var scale: Double
    /// Standard deviation of the additive Gaussian noise, in grey levels of 255.
    public var noiseSigma: Double
    /// JPEG quality, 1–100.
    public var jpegQuality: Int

    public init(blurSigma: Double, scale: Double, noiseSigma: Double, jpegQuality: Int) {
        self.blurSigma = blurSigma
        self.scale = scale
        self.noiseSigma = noiseSigma
        self.jpegQuality = jpegQuality
    }

    public var summary: String {
        "blur σ=\(format(blurSigma, 3)) px, scale s=\(format(scale, 3)), noise σ=\(format(noiseSigma, 2)) grey levels, JPEG q=\(jpegQuality)"
    }
}

/// The ranges parameters are drawn from. `paper(resolution:)` gives the paper's ranges at 512 px
/// scaled to resolution R: blur σ ~ U[0.1, 10]·R/512, s ~ U[1, 32·R/512] (so the smallest input is
/// 16 px at any R), noise σ ~ U[0, 20], JPEG q ~ U{30…90}.
public struct DegradationRanges: Sendable, Equatable {
    public var blurSigma: ClosedRange<Double>
    public var scale: ClosedRange<Double>
    public var noiseSigma: ClosedRange<Double>
    public var jpegQuality: ClosedRange<Int>

    public init(blurSigma: ClosedRange<Double>, scale: ClosedRange<Double>, noiseSigma: ClosedRange<Double>, jpegQuality: ClosedRange<Int>) {
        self.blurSigma = blurSigma
        self.scale = scale
        self.noiseSigma = noiseSigma
        self.jpegQuality = jpegQuality
    }

    public static func paper(resolution: Int) -> DegradationRanges {
        let r = Double(resolution) / 512
        return DegradationRanges(blurSigma: (0.1 * r)...(10 * r), scale: 1...max(1, 32 * r),
                                 noiseSigma: 0...20, jpegQuality: 30...90)
    }

    /// One draw. All four values are always drawn, in a fixed order, so that fixing one of them
    /// afterwards leaves the others, and the noise that follows, unchanged.
    public func draw(using generator: inout SeededGenerator) -> DegradationParameters {
        let blur = generator.nextUniform(in: blurSigma)
        let s = generator.nextUniform(in: scale)
        let noise = generator.nextUniform(in: noiseSigma)
        let q = jpegQuality.lowerBound + Int(generator.next() % UInt64(jpegQuality.count))
        return DegradationParameters(blurSigma: blur, scale: s, noiseSigma: noise, jpegQuality: q)
    }
}

public enum Degradation {
    /// Applies Eq. 10 to `image`: Gaussian blur, downscale by s (bicubic, antialiased), additive
    /// Gaussian noise drawn from `generator`, a real JPEG round trip at quality q, then bicubic
    /// resize back to the input's size. The result is clamped to [0, 1].
    public static func apply(_ parameters: DegradationParameters, to image: RGBImage,
                             noise generator: inout SeededGenerator) throws(ImageError) -> RGBImage {
        precondition(parameters.scale >= 1, "scale must be ≥ 1, got \(parameters.scale)")
        var work = parameters.blurSigma > 0 ? image.gaussianBlurred(sigma: parameters.blurSigma) : image
        let smallWidth = max(1, Int((Double(image.width) / parameters.scale).rounded()))
        let smallHeight = max(1, Int((Double(image.height) / parameters.scale).rounded()))
        if smallWidth != image.width || smallHeight != image.height {
            work = work.resized(width: smallWidth, height: smallHeight, filter: .bicubic)
        }
        if parameters.noiseSigma > 0 { work = addNoise(to: work, sigma: parameters.noiseSigma, using: &generator) }
        let jpeg = try JPEGCodec.encode(work, quality: parameters.jpegQuality)
        work = try JPEGCodec.decode(jpeg)
        if work.width != image.width || work.height != image.height {
            work = work.resized(width: image.width, height: image.height, filter: .bicubic)
        }
        return work.clamped()
    }

    /// Independent Gaussian noise of `sigma` grey levels (of 255) on every sample.
    public static func addNoise(to image: RGBImage, sigma: Double, using generator: inout SeededGenerator) -> RGBImage {
        var noisy = image
        let noise = generator.normals(count: image.samples.count, standardDeviation: Float(sigma / 255))
        for i in noisy.samples.indices { noisy.samples[i] += noise[i] }
        return noisy
    }

    /// Draws parameters from `ranges` (with any `fixed` values taking their place) and applies
    /// them; one seed gives one result.
    public static func random(_ image: RGBImage, ranges: DegradationRanges, fixed: PartialDegradation = .init(),
                              seed: UInt64) throws(ImageError) -> (RGBImage, DegradationParameters) {
        var generator = SeededGenerator(seed: seed)
        let parameters = fixed.override(ranges.draw(using: &generator))
        let degraded = try apply(parameters, to: image, noise: &generator)
        return (degraded, parameters)
    }

    /// The parameters `random` draws for this seed, without degrading an image (reports that group faces
    /// by how strongly they were degraded).
    public static func parameters(ranges: DegradationRanges, fixed: PartialDegradation = .init(), seed: UInt64) -> DegradationParameters {
        var generator = SeededGenerator(seed: seed)
        return fixed.override(ranges.draw(using: &generator))
    }
}

/// Degradation parameters that a user fixed; the rest are drawn.
public struct PartialDegradation: Sendable, Equatable {
    public var blurSigma: Double?
    public var scale: Double?
    public var noiseSigma: Double?
    public var jpegQuality: Int?

    public init(blurSigma: Double? = nil, scale: Double? = nil, noiseSigma: Double? = nil, jpegQuality: Int? = nil) {
        self.blurSigma = blurSigma
        self.scale = scale
        self.noiseSigma = noiseSigma
        self.jpegQuality = jpegQuality
    }

    public func override(_ drawn: DegradationParameters) -> DegradationParameters {
        DegradationParameters(blurSigma: blurSigma ?? drawn.blurSigma, scale: scale ?? drawn.scale,
                              noiseSigma: noiseSigma ?? drawn.noiseSigma, jpegQuality: jpegQuality ?? drawn.jpegQuality)
    }
}

func format(_ value: Double, _ digits: Int) -> String {
    var power = 1.0
    for _ in 0..<digits { power *= 10 }
    let rounded = (value * power).rounded() / power
    return "\(rounded)"
}
