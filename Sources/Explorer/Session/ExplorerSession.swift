import FaceID
import FileIO
import Foundation
import Imaging
import Restoration
import Tensors

/// One step's numbers, kept for the sparklines and the snapshot.
public struct StepSummary: Codable, Sendable {
    public var step: Int, timestep: Int
    public var identityLoss: Float?
    public var gradientNorm: Float
    /// IDS of ŷ_{0,t}: to the ground truth when known, else to g(x).
    public var ids: Float
    /// The face-perceptual distance of ŷ_{0,t} to the ground truth; nil without one.
    public var perceptual: Float? = nil
    public var milliseconds: Double
    /// Compare mode, guided rows: how far ŷ_{0,t} has moved from the unguided row's and the share of
    /// that change inside the mask masked guidance uses (`GuidanceEffect`).
    public var changeFromUnguided: Float? = nil, changeInMask: Float? = nil
}

/// The explorer's model: one sampler per row (one row, or off / uniform / masked in compare mode)
/// on the same input, seed and noise, stepped in lock-step, with the knobs the screen exposes.
/// Not thread-safe: the UI drives it from one worker queue.
public final class ExplorerSession {
    public final class Row {
        public internal(set) var mode: GuidanceMode
        public let sampler: RestorationSampler
        public internal(set) var latest: SamplerState?
        public internal(set) var history: [StepSummary] = []
        /// ŷ_{0,t} after every step, for the contact sheet.
        public internal(set) var frames: [Tensor] = []
        init(mode: GuidanceMode, sampler: RestorationSampler) {
            self.mode = mode
            self.sampler = sampler
        }
    }

    public let pipeline: RestorationPipeline
    public let degraded: Tensor
    public let conditioning: Conditioning
    public var conditioned: Tensor { conditioning.output }
    public let truth: Tensor?
    public private(set) var settings: SamplerSettings
    public private(set) var compare = false
    public private(set) var rows: [Row] = []
    /// The descriptor IDS compares every ŷ_{0,t} with: the ground truth's, else g(x)'s.
    let reference: [Float]
    /// The ground truth's feature maps for the face-perceptual distance of every ŷ_{0,t}.
    let truthMaps: [Variable]?

    /// The user's mask ([1, 1, R, R]) for `MaskSource.user`: a --mask file, or painted.
    public private(set) var userMask: Tensor?

    public init(pipeline: RestorationPipeline, degraded: RGBImage, truth: RGBImage? = nil, settings: SamplerSettings, userMask: Tensor? = nil) {
        self.pipeline = pipeline
        self.userMask = userMask
        let r = pipeline.resolution
        func fit(_ image: RGBImage) -> Tensor {
            (image.width == r ? image : image.resized(to: r, filter: image.width > r ? .box : .bicubic).clamped()).tensor()
        }
        self.degraded = fit(degraded)
        self.truth = truth.map(fit)
        conditioning = pipeline.conditioning(self.degraded)
        let recognizer = pipeline.recognizer
        let referenceImage = RGBImage(tensor: self.truth ?? conditioning.output).tensor()
        let features = withoutGradients { recognizer.features(normalisedInput: recognizer.networkInput(Variable(referenceImage))) }
        reference = features.descriptor.value.scalars
        truthMaps = self.truth == nil ? nil : features.maps
        self.settings = settings
        rebuild()
    }

    /// The latest estimate ŷ0 of the row the settings' guidance names (the first row's without it),
    /// nil before the first step.
    public var estimate: Tensor? {
        (rows.first { $0.mode == settings.guidance } ?? rows.first)?.latest?.predictedStart
    }

    /// The rows' guidance modes.
    public var modes: [GuidanceMode] { rows.map(\.mode) }
    public var isFinished: Bool { rows.allSatisfy(\.sampler.isFinished) }
    public var proxyCoverage: Float { rows[0].sampler.proxyCoverage }
    public var proxyMask: Tensor { rows[0].sampler.proxyMask }
    public var learnedMask: Tensor? { rows[0].sampler.learnedMask }
    /// The mask masked guidance uses now (the chosen source's).
    public var chosenMask: Tensor { rows[0].sampler.mask(of: settings.maskSource) }

    private func rebuild() {
        let modes: [GuidanceMode] = compare ? [.off, .uniform, .masked] : [settings.guidance]
        rows = modes.map { mode in
            var s = settings
            s.guidance = mode
            return Row(mode: mode, sampler: pipeline.makeSampler(degraded: degraded, conditioning: conditioning, settings: s, userMask: userMask))
        }
    }

    /// Advances every row by up to `count` steps; returns how many steps were taken.
    @discardableResult
    public func step(_ count: Int = 1) -> Int {
        var taken = 0
        for _ in 0..<count {
            guard !isFinished else { break }
            for row in rows {
                guard let state = row.sampler.next() else { continue }
                row.latest = state
                row.frames.append(state.predictedStart)
                let (ids, perceptual) = measure(state.predictedStart)
                row.history.append(StepSummary(step: state.step, timestep: state.timestep, identityLoss: state.identityLoss,
                                               gradientNorm: state.gradientNorm, ids: ids, perceptual: perceptual,
                                               milliseconds: state.modelMilliseconds + state.guidanceMilliseconds))
            }
            for row in rows {
                guard let effect = guidanceEffect(of: row), !row.history.isEmpty else { continue }
                row.history[row.history.count - 1].changeFromUnguided = effect.meanChange
                row.history[row.history.count - 1].changeInMask = effect.shareInMask
            }
            taken += 1
        }
        return taken
    }

    /// IDS of an estimate to the reference and, with a ground truth, its face-perceptual distance to it, from one
    /// pass of the recognizer.
    func measure(_ estimate: Tensor) -> (ids: Float, perceptual: Float?) {
        let recognizer = pipeline.recognizer
        return withoutGradients {
            let input = recognizer.networkInput(Variable(RGBImage(tensor: estimate).clamped().tensor()))
            let features = recognizer.features(normalisedInput: input)
            let ids = IdentityComparison(features.descriptor.value.scalars, reference).cosine
            return (ids, truthMaps.map { recognizer.perceptualDistance(betweenMaps: features.maps, $0).value.scalar })
        }
    }

    /// In compare mode, how far a guided row's ŷ_{0,t} has moved from the unguided row's (same noise,
    /// same step) and how much of that change lies inside the mask masked guidance uses; nil for the
    /// unguided row, outside compare mode and before the first step.
    public func guidanceEffect(of row: Row) -> GuidanceEffect? {
        guard compare, row.mode != .off, let state = row.latest, let unguided = unguidedRow?.latest, unguided.step == state.step else { return nil }
        return GuidanceEffect(guided: state.predictedStart, unguided: unguided.predictedStart, mask: chosenMask)
    }

    /// Compare mode's row without guidance.
    public var unguidedRow: Row? { compare ? rows.first { $0.mode == .off } : nil }

    /// Runs every row to the end.
    public func finish() { while step(10) > 0 {} }

    // MARK: Knobs

    /// Switches compare mode (off, uniform and masked in lock-step); restarts.
    public func setCompare(_ on: Bool) {
        compare = on
        rebuild()
    }

    /// δ redraws M′ and M at once and applies from the next step.
    public func setDelta(_ delta: Float) {
        settings.delta = min(max(delta, 0), 1)
        for row in rows { row.sampler.update(delta: settings.delta) }
    }

    /// s applies from the next step.
    public func setScale(_ scale: Float) {
        settings.scale = max(scale, 0)
        for row in rows { row.sampler.update(scale: settings.scale) }
    }

    /// The noise temperature τ applies from the next step.
    public func setNoiseTemperature(_ temperature: Float) {
        settings.noiseTemperature = max(temperature, 0)
        for row in rows { row.sampler.update(noiseTemperature: settings.noiseTemperature) }
    }

    /// The guidance mode of a single-row session applies from the next step.
    public func setMode(_ mode: GuidanceMode) {
        settings.guidance = mode
        guard !compare else { return }
        rows[0].sampler.update(guidance: mode)
        rows[0].mode = mode
    }

    /// The mask masked guidance uses (learned M, M′, the user's file when given) applies from the next step.
    public func setMaskSource(_ source: MaskSource) {
        settings.maskSource = source == .user && userMask == nil ? .learned : source
        for row in rows { row.sampler.update(maskSource: settings.maskSource) }
    }

    /// A painted mask replaces the user's; it applies from the next step.
    public func setUserMask(_ mask: Tensor) {
        userMask = mask
        for row in rows { row.sampler.update(userMask: mask) }
    }

    /// Moves to `new` settings: a change of T′, sampler, step count or seed restarts the run; δ, s, τ,
    /// the mode and the mask source apply from the next step.
    public func apply(_ new: SamplerSettings) {
        if new.startStep != settings.startStep || new.kind != settings.kind || new.steps != settings.steps || new.seed != settings.seed {
            restart(startStep: new.startStep, kind: new.kind, steps: .some(new.steps), seed: new.seed)
        }
        if new.delta != settings.delta { setDelta(new.delta) }
        if new.scale != settings.scale { setScale(new.scale) }
        if new.noiseTemperature != settings.noiseTemperature { setNoiseTemperature(new.noiseTemperature) }
        if new.maskSource != settings.maskSource { setMaskSource(new.maskSource) }
        if new.guidance != settings.guidance { setMode(new.guidance) }
    }

    /// T′, the sampler, the step count and the seed define the trajectory: changing one restarts.
    public func restart(startStep: Int? = nil, kind: SamplerKind? = nil, steps: Int?? = nil, seed: UInt64? = nil) {
        if let startStep { settings.startStep = min(max(startStep, 1), 1000) }
        if let kind { settings.kind = kind }
        if let steps { settings.steps = steps.map { min(max($0, 1), settings.startStep) } }
        if let seed { settings.seed = seed }
        rebuild()
    }

    // MARK: Snapshots

    /// The run at a glance: one line per row — x, g(x), ŷ_{0,t} at `frames` evenly spaced steps
    /// (the last is the latest), then the ground truth when known.
    public func contactSheet(frames count: Int = 8) -> RGBImage {
        func image(_ t: Tensor) -> RGBImage { RGBImage(tensor: t).clamped() }
        let blank = RGBImage(width: degraded.shape[3], height: degraded.shape[2], fill: (1, 1, 1))
        let lines = rows.map { row -> [RGBImage] in
            var line = [image(degraded), image(conditioned)]
            let n = row.frames.count
            let picks = n == 0 ? [] : (0..<min(count, n)).map { i in count >= n ? i : (n - 1) * (i + 1) / count }
            line += picks.map { image(row.frames[$0]) }
            line += Array(repeating: blank, count: count - picks.count)
            if let truth { line.append(image(truth)) }
            return line
        }
        return RGBImage.grid(lines)
    }

    /// Every pane as PNG plus a JSON of the settings and each row's numbers, in `folder`, which
    /// appears whole or not at all: the files are written into `folder.partial` and it is renamed
    /// when complete (a kill leaves at most a `.partial` folder).
    public func snapshot(to folder: String) throws -> [String] {
        let partial = folder + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        try Folder.create(partial)
        var written: [String] = []
        func save(_ tensor: Tensor, _ name: String) throws {
            let path = partial + "/" + name + ".png"
            try ImageFile.write(RGBImage(tensor: tensor).clamped(), to: path)
            written.append(path)
        }
        func saveMask(_ mask: Tensor, _ name: String) throws {
            let path = partial + "/" + name + ".png"
            try ImageFile.write(RGBImage(mask: mask), to: path)
            written.append(path)
        }
        let sheet = partial + "/contact_sheet.png"
        try ImageFile.write(contactSheet(), to: sheet)
        written.append(sheet)
        try save(degraded, "x")
        try save(conditioned, "g_x")
        try saveMask(proxyMask, "proxy_mask")
        if let m = learnedMask { try saveMask(m, "mask") }
        try saveMask(chosenMask, "guidance_mask")
        if let truth { try save(truth, "ground_truth") }
        for row in rows {
            if let state = row.latest {
                try save(state.predictedStart, "\(row.mode.rawValue)_predicted_start")
                try save(state.current, "\(row.mode.rawValue)_current")
            }
        }
        struct Record: Encodable {
            let settings: SamplerSettings
            let compare: Bool
            let proxyCoverage: Float
            let rows: [String: [StepSummary]]
        }
        let record = Record(settings: settings, compare: compare, proxyCoverage: proxyCoverage,
                            rows: Dictionary(uniqueKeysWithValues: rows.map { ($0.mode.rawValue, $0.history) }))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(record)), to: partial + "/snapshot.json")
        written.append(partial + "/snapshot.json")
        guard rename(partial, folder) == 0 else { throw FileError(path: folder, reason: "cannot move the finished snapshot into place: \(String(cString: strerror(errno)))") }
        return written.map { folder + $0.dropFirst(partial.count) }
    }
}

/// A text sparkline of the last values, scaled between their minimum and maximum.
public enum Sparkline {
    public static func render(_ values: [Float], width: Int) -> String {
        let bars = Array("▁▂▃▄▅▆▇█")
        let recent = values.suffix(width)
        guard let low = recent.min(), let high = recent.max() else { return "" }
        return String(recent.map { v in
            high > low ? bars[min(Int((v - low) / (high - low) * Float(bars.count - 1) + 0.5), bars.count - 1)] : bars[0]
        })
    }
}
