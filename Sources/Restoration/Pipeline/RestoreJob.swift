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
    /// True when the output is g(x) alone (`--ipc-only`); then there are no sampler settings or steps.
    public var ipcOnly: Bool
    public var settings: SamplerSettings?
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
    /// The mask file masked guidance used (`--mask FILE`).
    public var maskFile: String? = nil
    /// OpenBLAS's kernel set and thread count (the times above depend on them).
    public var blas: String = BLASCore.summary
}

/// What restores a face: the whole pipeline, or the IPC alone (the fast, fidelity-first answer).
public enum FaceRestorer {
    case pipeline(RestorationPipeline)
    case conditionerOnly(IdentityPreservingConditioner, FaceRecognizer)

    /// Loads the networks from `folder` (default: the project's Models/); the IPC alone needs no UNet or mask.
    public static func load(from folder: String? = nil, conditionerOnly: Bool) throws(ModelStoreError) -> FaceRestorer {
        guard conditionerOnly else { return .pipeline(try RestorationPipeline.load(from: folder)) }
        let folder = ModelStore.folder(folder, holding: ModelStore.conditionerFile)
        let conditioner = try ModelStore.loadConditioner(from: folder)
        do { return .conditionerOnly(conditioner, try FaceRecognizer.loadDefault()) } catch { throw .recognizer(error) }
    }

    public var resolution: Int {
        switch self {
        case .pipeline(let p): p.resolution
        case .conditionerOnly(let c, _): c.configuration.resolution
        }
    }
    /// The loaded networks' notes (`RestorationPipeline.notes`); the IPC alone has none.
    public var notes: [String] {
        switch self {
        case .pipeline(let p): p.notes
        case .conditionerOnly: []
        }
    }
    var recognizer: FaceRecognizer {
        switch self {
        case .pipeline(let p): p.recognizer
        case .conditionerOnly(_, let r): r
        }
    }
}

/// What restoring one chip gave: the restored chip, and its sidecar's numbers (`record`'s input,
/// output and alignment are the caller's to fill).
public struct ChipRestoration: Sendable {
    public var restored: RGBImage
    public var record: RestoreRecord
}

/// Restores one face file: frame it, run the pipeline (or the IPC alone), write the output at the
/// input's framing, its sidecar, and optionally intermediate estimates and masks.
public struct RestoreJob {
    public var alignment: FaceAlignment = .chip
    public var settings = SamplerSettings()
    public var saveEvery: Int? = nil
    public var saveMasks = false
    /// A user's mask for `MaskSource.user` ([1, 1, R, R]) and the file it came from.
    public var userMask: (tensor: Tensor, path: String)?

    public init() {}

    public func run(_ pipeline: RestorationPipeline, input: String, output: String,
                    progress: (SamplerState) -> Void = { _ in }) throws -> RestoreRecord {
        try run(.pipeline(pipeline), input: input, output: output, progress: progress)
    }

    public func run(_ restorer: FaceRestorer, input: String, output: String,
                    progress: (SamplerState) -> Void = { _ in }) throws -> RestoreRecord {
        let start = monotonicMilliseconds()
        let original = try ImageFile.read(input)
        guard ImageFile.format(forPath: output) != nil else { throw ImageError.unsupportedOutputFormat(path: output) }
        let r = restorer.resolution
        let chip = try alignment.chip(from: original, path: input, resolution: r)
        let base = String(output[..<(output.lastIndex(of: ".") ?? output.endIndex)])
        let result = try restore(restorer, chip: chip, extrasBase: base, progress: progress)
        try ImageFile.write(framed(result.restored, original: original), to: output)
        var record = result.record
        (record.input, record.output, record.alignment) = (input, output, alignment.rawValue)
        record.seconds = (monotonicMilliseconds() - start) / 1000
        try write(record, to: base + ".json")
        return record
    }

    /// One chip (at the restorer's resolution) through the pipeline, or the IPC alone. `extrasBase`:
    /// where --save-steps and --save-masks files go (the name without extension).
    public func restore(_ restorer: FaceRestorer, chip: RGBImage, extrasBase: String,
                        progress: (SamplerState) -> Void = { _ in }) throws -> ChipRestoration {
        let degraded = chip.tensor()
        let r = restorer.resolution
        switch restorer {
        case .conditionerOnly(let conditioner, let recognizer):
            let conditioned = withoutGradients { conditioner(Variable(degraded)) }.value
            let restored = RGBImage(tensor: conditioned).clamped()
            let record = RestoreRecord(
                input: "", output: "", alignment: "", resolution: r, ipcOnly: true, settings: nil, steps: 0, seconds: 0,
                millisecondsPerStep: 0, modelMillisecondsPerStep: 0, guidanceMillisecondsPerStep: 0, identityToConditioner: 1,
                inputIdentityToConditioner: IdentityComparison(recognizer.descriptor(of: chip), recognizer.descriptor(of: restored)).cosine,
                proxyMaskCoverage: proxyMask(conditioned: conditioned, degraded: degraded, delta: settings.delta).sum() / Float(r * r),
                maskCoverage: nil, usedLearnedMask: false)
            return ChipRestoration(restored: restored, record: record)
        case .pipeline(let pipeline):
            return try restoreWithDiffusion(pipeline, chip: chip, base: extrasBase, progress: progress)
        }
    }

    func restoreWithDiffusion(_ pipeline: RestorationPipeline, chip: RGBImage, base: String,
                              progress: (SamplerState) -> Void) throws -> ChipRestoration {
        let degraded = chip.tensor()
        let conditioning = pipeline.conditioning(degraded)
        let conditioned = conditioning.output
        let sampler = pipeline.makeSampler(degraded: degraded, conditioning: conditioning, settings: settings, userMask: userMask?.tensor)
        if saveMasks {
            try ImageFile.write(RGBImage(mask: sampler.proxyMask), to: base + "_proxy_mask.png")
            if let m = sampler.learnedMask { try ImageFile.write(RGBImage(mask: m), to: base + "_mask.png") }
            // The mask masked guidance uses (the chosen source's), whatever it is.
            if settings.guidance == .masked { try ImageFile.write(RGBImage(mask: sampler.mask(of: settings.maskSource)), to: base + "_guidance_mask.png") }
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
        let target = pipeline.recognizer.descriptor(of: RGBImage(tensor: conditioned))
        let count = Double(max(last!.stepCount, 1))
        let record = RestoreRecord(
            input: "", output: "", alignment: "", resolution: pipeline.resolution, ipcOnly: false, settings: settings, steps: last!.stepCount,
            seconds: 0, millisecondsPerStep: (model + guidance) / count, modelMillisecondsPerStep: model / count,
            guidanceMillisecondsPerStep: guidance / count,
            identityToConditioner: IdentityComparison(pipeline.recognizer.descriptor(of: restored), target).cosine,
            inputIdentityToConditioner: IdentityComparison(pipeline.recognizer.descriptor(of: chip), target).cosine,
            proxyMaskCoverage: sampler.proxyCoverage, maskCoverage: sampler.learnedMask.map { $0.sum() / Float($0.count) },
            usedLearnedMask: sampler.learnedMask != nil && settings.guidance == .masked && settings.maskSource == .learned,
            maskFile: settings.guidance == .masked && settings.maskSource == .user ? userMask?.path : nil)
        return ChipRestoration(restored: restored, record: record)
    }

    /// The restored chip at the input's framing: resized back, or pasted into the FFHQ crop.
    func framed(_ restored: RGBImage, original: RGBImage) -> RGBImage {
        switch alignment {
        case .chip:
            return restored.width == original.width ? restored : restored.resized(width: original.width, height: original.height, filter: .bicubic).clamped()
        case .ffhq512:
            let box = FaceFraming.ffhqChipBox(imageSide: original.width)
            let side = Int(box.width.rounded())
            return original.pasting(restored.resized(width: side, height: side, filter: .bicubic).clamped(), x: Int(box.x0.rounded()), y: Int(box.y0.rounded()))
        }
    }

    func write(_ record: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(record)), to: path)
    }
}
