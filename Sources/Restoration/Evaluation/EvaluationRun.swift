import FileIO
import Foundation
import Imaging
import Tensors

/// One resumable evaluation in one folder: run.json (what the numbers depend on), scores.csv and
/// descriptors.csv and guidance_effect.csv (appended face by face), images/ (the first 16 faces' rows), the
/// grids and report.md.
/// Shards (index mod count) let several one-thread processes share the folder.
public struct EvaluationRun {
    public let folder: String
    public let evaluator: Evaluator
    /// The faces, in order, and their identity labels ("" where the folder has none).
    public let files: [String]
    public let dataFolder: String?
    public let identities: [String]
    public let settings: [EvaluationSetting]
    public let methods: [EvaluationMethod]
    public let seed: UInt64
    public var shard: (index: Int, count: Int)?

    /// How many faces get a row image under images/ and a row in the grid.
    public static let gridFaces = 16

    /// `files` are read as given and recorded in scores.csv relative to `dataFolder` (when given).
    public init(folder: String, evaluator: Evaluator, dataFolder: String? = nil, files: [String], identities: [String], settings: [EvaluationSetting],
                methods: [EvaluationMethod], seed: UInt64) {
        self.folder = folder
        self.dataFolder = dataFolder
        self.evaluator = evaluator
        self.files = files
        self.identities = identities
        self.settings = settings
        self.methods = methods
        self.seed = seed
    }

    static let scoresFile = "scores.csv"
    var scoresPath: String { folder + "/" + Self.scoresFile }
    var descriptorsPath: String { folder + "/descriptors.csv" }
    var effectsPath: String { folder + "/guidance_effect.csv" }

    /// Faces (of any setting) whose scores are in `folder`'s scores.csv so far — a header, then a line per face
    /// and method — counted cheaply, for the progress of shards writing there.
    public static func scoredFaceCount(folder: String, methods: Int) -> Int {
        guard let data = FileManager.default.contents(atPath: folder + "/" + scoresFile) else { return 0 }
        return max(0, data.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } - 1) / max(1, methods)
    }

    /// Checks `record` against the folder's run.json (or writes it), then scores every face of every
    /// setting not scored yet (in this shard); `advance` is called once per face and setting.
    public func scoreMissingFaces(record: EvaluationRunRecord, advance: () -> Void) throws {
        try Folder.create(folder + "/images")
        try record.claim(folder: folder)
        let done = Set(try allScoredOutputs().map { "\($0.setting.rawValue)/\($0.index)" })
        if ((try? FileManager.default.attributesOfItem(atPath: scoresPath)[.size] as? Int) ?? 0) == 0 { try Data((EvaluationReport.csvHeader + "\n").utf8).write(to: URL(fileURLWithPath: scoresPath)) }
        for path in [descriptorsPath, effectsPath] where !FileManager.default.fileExists(atPath: path) { try Data().write(to: URL(fileURLWithPath: path)) }
        for setting in settings {
            for (index, file) in files.enumerated() {
                defer { advance() }
                if done.contains("\(setting.rawValue)/\(index)") { continue }
                if let shard, index % shard.count != shard.index { continue }
                try scoreFace(index: index, file: file, setting: setting)
            }
        }
    }

    /// The seed of face `index`'s degradation and diffusion noise in a run seeded `seed`.
    public static func imageSeed(seed: UInt64, setting: EvaluationSetting, index: Int) -> UInt64 {
        SeededGenerator(seed: seed, stream: "\(setting.rawValue) \(index)").state.0
    }

    func scoreFace(index: Int, file: String, setting: EvaluationSetting) throws {
        let imageSeed = Self.imageSeed(seed: seed, setting: setting, index: index)
        let (clean, degraded, _) = try evaluator.degrade(try ImageFile.read(file), setting: setting, seed: imageSeed)
        let recognizer = evaluator.recognizer
        var lines: [String] = []
        var descriptorLines = [EvaluationReport.descriptorLine(setting: setting, index: index, method: "truth", recognizer.descriptor(of: clean))]
        var outputs: [RGBImage] = [degraded]
        var restoredBy: [EvaluationMethod: RGBImage] = [:]
        for method in methods {
            let start = Date()
            let restored = evaluator.restore(degraded, method: method, seed: imageSeed)
            let seconds = Date().timeIntervalSince(start)
            let row = ScoredOutput(setting: setting, index: index, file: dataFolder.map { PortablePath.relative(file, to: $0) } ?? file, method: method,
                                   scores: evaluator.score(restored, truth: clean, seconds: seconds), truthSharpness: ImageMetrics.sharpness(clean))
            lines.append(EvaluationReport.csvLine(row))
            descriptorLines.append(EvaluationReport.descriptorLine(setting: setting, index: index, method: method.rawValue, recognizer.descriptor(of: restored)))
            outputs.append(restored)
            restoredBy[method] = restored
        }
        if index < Self.gridFaces { try ImageFile.write(RGBImage.grid([outputs + [clean]]), to: rowImagePath(setting, index)) }
        // Descriptors and effects first: a face counts as done once its scores line is written.
        if let unguided = restoredBy[.net2], restoredBy[.net3] != nil || restoredBy[.net4] != nil {
            let mask = evaluator.guidanceMask(of: degraded)
            let effectLines = [EvaluationMethod.net3, .net4].compactMap { method in
                restoredBy[method].map { EvaluationReport.effectLine(setting: setting, index: index, method: method,
                                                                     GuidanceEffect(guided: $0.tensor(), unguided: unguided.tensor(), mask: mask)) }
            }
            try Self.append(effectLines, to: effectsPath)
        }
        try Self.append(descriptorLines, to: descriptorsPath)
        try Self.append(lines, to: scoresPath)
    }

    func rowImagePath(_ setting: EvaluationSetting, _ index: Int) -> String {
        folder + "/images/\(setting.rawValue)_\(String(format: "%03d", index)).png"
    }

    /// The scores of this run's faces and settings: the folder may hold more (a resumed run with a smaller --limit).
    public func scoredOutputs() throws -> [ScoredOutput] {
        try allScoredOutputs().filter { $0.index < files.count && settings.contains($0.setting) }
    }

    func allScoredOutputs() throws -> [ScoredOutput] {
        EvaluationReport.parse(csv: (try? String(contentsOfFile: scoresPath, encoding: .utf8)) ?? "")
    }

    /// Writes grid_SETTING.png (the first 16 faces' rows stacked) and report.md: `header`, the tables, the paired
    /// differences to `baseline` (when given), set-level identity, the paper's claims and the deviations. Returns the report.
    @discardableResult
    public func writeReport(header: String, baseline: BaselineRun? = nil) throws -> String {
        for setting in settings {
            let rows = (0..<min(Self.gridFaces, files.count)).compactMap { try? ImageFile.read(rowImagePath(setting, $0)) }
            if !rows.isEmpty { try ImageFile.write(RGBImage.grid(rows.map { [$0] }, spacing: 0), to: folder + "/grid_\(setting.rawValue).png") }
        }
        let rows = try scoredOutputs()
        var report = header
        report += "Columns of the grids (grid_SETTING.png: the first 16 faces; images/: one face each): input, then each method in that order, then the ground truth.\n"
        report += EvaluationReport.tables(rows)
        if let baseline { report += baseline.comparisonTable(rows) }
        let descriptors = EvaluationReport.parseDescriptors((try? String(contentsOfFile: descriptorsPath, encoding: .utf8)) ?? "")
        report += EvaluationReport.identityTable(descriptors: descriptors, identities: identities, count: files.count, methods: methods)
        report += EvaluationReport.guidanceEffectTable(EvaluationReport.parseEffects((try? String(contentsOfFile: effectsPath, encoding: .utf8)) ?? ""),
                                                       count: files.count, settings: settings)
        report += EvaluationReport.degradationStrengthTable(
            rows, resolution: evaluator.resolution, scaleRange: { $0.ranges(resolution: evaluator.resolution).scale },
            scale: { setting, index in evaluator.degradationParameters(setting: setting, seed: Self.imageSeed(seed: seed, setting: setting, index: index)).scale })
        report += EvaluationClaims.markdown(rows)
        report += """

        Deviations from the paper: identity is measured with dlib's face-recognition ResNet (not ArcFace); the \
        perceptual column is our face-perceptual distance on that network's features (LPIPS's ImageNet backbones \
        are not available here); faces are 64×64 dlib chips, not 512×512 FFHQ crops. Intervals are 95 % normal \
        approximations over faces.

        """
        try AtomicFile.write(Array(report.utf8), to: folder + "/report.md")
        return report
    }

    /// One write to a file opened for appending: shards sharing the file never interleave or clobber lines.
    static func append(_ lines: [String], to path: String) throws {
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        let fd = open(path, O_WRONLY | O_APPEND)
        guard fd >= 0 else { throw EvaluationRunError.io("cannot append to \(path)") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written != bytes.count { throw EvaluationRunError.io("short write to \(path)") }
    }
}
