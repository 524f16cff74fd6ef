import FaceID
import FileIO
import Foundation
import Imaging
import Tensors

/// What `dnr restore` records beside each output (the JSON sidecar).
public struct RestoreRecord: Codable, Sendable {
    public var input: String
    public var output: String
    public var alignment: String
    public var resolution: Int
    public var settings: SamplerSettings
    public var steps: Int
    public var seconds: Double
    public var millisecondsPerStep: Double
    public var modelMillisecondsPerStep: Double
    public var guidanceMillisecondsPerStep: Double
    /// Cosine between the descriptors of the output and of g(x), and of x and g(x).
    public var identityToConditioner: Float
    public var inputIdentityToConditioner: Float
    public var proxyMaskCoverage: Float
    public var maskCoverage: Float?
    public var usedLearnedMask: Bool
    /// OpenBLAS's kernel set and thread count (the times above depend on them).
    public var blas: String = BLASCore.summary
}

/// Restores one face file: frame it, run the pipeline, write the output at the input's framing,
/// its sidecar, and optionally intermediate estimates and masks.
public struct RestoreJob {
    public var alignment: FaceAlignment = .chip
    public var settings = SamplerSettings()
    public var saveEvery: Int? = nil
    public var saveMasks = false

    public init() {}

    public func run(_ pipeline: RestorationPipeline, input: String, output: String,
                    progress: (SamplerState) -> Void = { _ in }) throws -> RestoreRecord {
        let start = monotonicMilliseconds()
        let original = try ImageFile.read(input)
        guard ImageFile.format(forPath: output) != nil else { throw ImageError.unsupportedOutputFormat(path: output) }
        let r = pipeline.resolution
        let chip = try alignment.chip(from: original, path: input, resolution: r)
        let degraded = chip.tensor()
        let conditioned = pipeline.condition(degraded)
        let sampler = pipeline.makeSampler(degraded: degraded, conditioned: conditioned, settings: settings)
        let base = String(output[..<(output.lastIndex(of: ".") ?? output.endIndex)])
        if saveMasks {
            try ImageFile.write(maskImage(sampler.proxyMask), to: base + "_proxy_mask.png")
            if let m = sampler.learnedMask { try ImageFile.write(maskImage(m), to: base + "_mask.png") }
        }
        var last: SamplerState? = nil
        var model = 0.0, guidance = 0.0
        while let state = sampler.next() {
            model += state.modelMilliseconds
            guidance += state.guidanceMilliseconds
            if let every = saveEvery, state.step % every == 0 || state.isFinal {
                try ImageFile.write(RGBImage(tensor: state.predictedStart).clamped(), to: base + "_step\(String(format: "%04d", state.step))_t\(state.timestep).png")
            }
            progress(state)
            last = state
        }
        let restored = RGBImage(tensor: last!.current).clamped()
        let framed: RGBImage
        switch alignment {
        case .chip:
            framed = restored.width == original.width ? restored : restored.resized(width: original.width, height: original.height, filter: .bicubic).clamped()
        case .ffhq512:
            let box = FaceFraming.ffhqChipBox(imageSide: original.width)
            let side = Int(box.width.rounded())
            framed = original.pasting(restored.resized(width: side, height: side, filter: .bicubic).clamped(), x: Int(box.x0.rounded()), y: Int(box.y0.rounded()))
        }
        try ImageFile.write(framed, to: output)

        let target = pipeline.recognizer.descriptor(of: RGBImage(tensor: conditioned))
        let count = Double(max(last!.stepCount, 1))
        let record = RestoreRecord(
            input: input, output: output, alignment: alignment.rawValue, resolution: r, settings: settings, steps: last!.stepCount,
            seconds: (monotonicMilliseconds() - start) / 1000, millisecondsPerStep: (model + guidance) / count,
            modelMillisecondsPerStep: model / count, guidanceMillisecondsPerStep: guidance / count,
            identityToConditioner: IdentityComparison(pipeline.recognizer.descriptor(of: restored), target).cosine,
            inputIdentityToConditioner: IdentityComparison(pipeline.recognizer.descriptor(of: chip), target).cosine,
            proxyMaskCoverage: sampler.proxyCoverage, maskCoverage: sampler.learnedMask.map { $0.sum() / Float($0.count) },
            usedLearnedMask: sampler.learnedMask != nil && settings.guidance == .masked)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(record)), to: base + ".json")
        return record
    }

    func maskImage(_ mask: Tensor) -> RGBImage {
        let (h, w) = (mask.shape[2], mask.shape[3])
        return RGBImage(width: w, height: h, samples: mask.scalars + mask.scalars + mask.scalars)
    }
}
