import FaceID
import Imaging
import Tensors

/// The methods the paper compares (Tables 1 and 6), plus the two baselines.
public enum EvaluationMethod: String, CaseIterable, Codable, Sendable {
    /// The degraded input itself: Eq. 10 already resizes back with bicubic interpolation.
    case bicubic
    /// g(x), the IPC alone.
    case ipc
    /// Diffusion from pure noise at T, no guidance.
    case net1
    /// From g(x) at T′, no guidance.
    case net2
    /// From g(x) at T′, uniform guidance.
    case net3
    /// From g(x) at T′, masked guidance (the paper's method).
    case net4

    public var needsDiffusion: Bool { ![.bicubic, .ipc].contains(self) }
}

/// Synthetic degradations with fixed seeds: the paper's ranges, or the extreme ×4 setting.
public enum EvaluationSetting: String, CaseIterable, Codable, Sendable {
    case paper
    /// A 16×16 input at R = 64 (s = 4) with light blur, noise and compression.
    case extreme

    public func ranges(resolution r: Int) -> DegradationRanges {
        switch self {
        case .paper: return .paper(resolution: r)
        case .extreme:
            let s = Double(r) / 16
            return DegradationRanges(blurSigma: 0.1...0.6, scale: s...s, noiseSigma: 0...5, jpegQuality: 60...90)
        }
    }
}

/// One restored image's scores against its ground truth.
public struct ImageScores: Codable, Sendable {
    public var psnr: Double
    public var ssim: Double
    /// IDS: cosine of the recognizer's descriptors, output vs ground truth.
    public var ids: Double
    /// dlib's rule: descriptor distance to the ground truth below 0.6.
    public var samePerson: Bool
    /// The face-perceptual distance (our LPIPS stand-in), lower is better.
    public var perceptual: Double
    public var sharpness: Double
    public var seconds: Double
}

/// Restores one face with each method on shared noise and scores the results.
public final class Evaluator {
    public let conditioner: IdentityPreservingConditioner
    public let pipeline: RestorationPipeline?
    public let recognizer: FaceRecognizer
    public let resolution: Int
    public var samplerSettings = SamplerSettings()
    /// The user's mask ([1, 1, R, R]) when Net4's mask source is `.user`.
    public var userMask: Tensor?

    public init(conditioner: IdentityPreservingConditioner, pipeline: RestorationPipeline?, recognizer: FaceRecognizer) {
        self.conditioner = conditioner
        self.pipeline = pipeline
        self.recognizer = recognizer
        resolution = conditioner.configuration.resolution
    }

    /// The degraded input for a clean face (brought to R with an area filter) under a setting and seed.
    public func degrade(_ clean: RGBImage, setting: EvaluationSetting, seed: UInt64) throws -> (clean: RGBImage, degraded: RGBImage, parameters: DegradationParameters) {
        let face = clean.width == resolution ? clean : clean.resized(to: resolution, filter: clean.width > resolution ? .box : .bicubic).clamped()
        let (x, p) = try Degradation.random(face, ranges: setting.ranges(resolution: resolution), seed: seed)
        return (face, x, p)
    }

    /// The parameters `degrade` draws for this setting and seed, without degrading a face.
    public func degradationParameters(setting: EvaluationSetting, seed: UInt64) -> DegradationParameters {
        Degradation.parameters(ranges: setting.ranges(resolution: resolution), seed: seed)
    }

    public func restore(_ degraded: RGBImage, method: EvaluationMethod, seed: UInt64) -> RGBImage {
        let x = degraded.tensor()
        switch method {
        case .bicubic: return degraded
        case .ipc: return RGBImage(tensor: withoutGradients { conditioner(Variable(x)) }.value).clamped()
        case .net1, .net2, .net3, .net4:
            guard let pipeline else { preconditionFailure("diffusion methods need the trained UNet") }
            var settings = samplerSettings
            settings.seed = seed
            settings.startFromNoise = method == .net1
            settings.guidance = method == .net3 ? .uniform : (method == .net4 ? .masked : .off)
            let sampler = pipeline.makeSampler(degraded: x, settings: settings, userMask: userMask)
            var last = x
            while let state = sampler.next() { last = state.current }
            return RGBImage(tensor: last).clamped()
        }
    }

    public func score(_ output: RGBImage, truth: RGBImage, seconds: Double) -> ImageScores {
        let a = recognizer.descriptor(of: output), b = recognizer.descriptor(of: truth)
        let comparison = IdentityComparison(a, b, threshold: recognizer.samePersonThreshold)
        let perceptual = withoutGradients { recognizer.perceptualDistance(Variable(output.tensor()), Variable(truth.tensor())) }.value.scalar
        return ImageScores(psnr: ImageMetrics.psnr(output, truth), ssim: ImageMetrics.ssim(output, truth), ids: Double(comparison.cosine),
                           samePerson: comparison.samePerson, perceptual: Double(perceptual), sharpness: ImageMetrics.sharpness(output),
                           seconds: seconds)
    }
}

/// Mean and 95 % confidence half-width (normal approximation) of a sample.
public func meanWithInterval(_ values: [Double]) -> (mean: Double, halfWidth: Double) {
    guard !values.isEmpty else { return (.nan, .nan) }
    let mean = values.reduce(0, +) / Double(values.count)
    guard values.count > 1 else { return (mean, 0) }
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    return (mean, 1.96 * (variance / Double(values.count)).squareRoot())
}
