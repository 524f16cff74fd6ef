import ArgumentParser
import CommandLineSupport
import FaceID
import FileIO
import Foundation
import Imaging
import Restoration
import Tensors

extension EvaluationSetting: ExpressibleByArgument {}

/// `dnr masks`: where each guidance mask lies on a set of faces, degraded as `dnr eval` degrades them.
struct MasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masks",
        abstract: "Coverage and regions per face of the learned mask M, the proxy M′ and the facial regions, on faces degraded as dnr eval does.",
        discussion: """
        For each face (degraded with dnr eval's seeds, so the same inputs as its Net4), the masks masked guidance \
        could use: M from the mask branch, M′ of Eq. 8 at --delta, the fixed facial regions. Prints the mean share of \
        pixels each marks and the mean number of 8-connected regions per face (whole facial parts: a few; speckle: \
        many); --out also writes a sheet of the first 16 faces (x, g(x), M′, M, regions).
        """)

    @Option(help: "A folder of clean aligned faces (with faces.csv, or just images).") var data: String
    @Option(help: "The manifest split.") var split = "dev"
    @Option(help: "Use only the first N faces.") var limit = 200
    @Option(help: "paper or extreme.") var setting: EvaluationSetting = .paper
    @Option(help: "Seed of the degradations (dnr eval's).") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "δ of the proxy mask M′.") var delta: Float = 0.04
    @Option(help: "Folder with the trained networks (default: the project's Models/).") var weights: String?
    @Option(help: "Folder for the sheet of masks (optional).") var out: String?

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        if !(delta.isFinite && delta >= 0 && delta <= 1) { throw ValidationError("--delta must be in [0, 1]") }
    }

    func run() throws {
        EngineRuntime.prepare()
        let weights = ModelStore.folder(self.weights)
        let pipeline = try RestorationPipeline.load(from: weights)
        pipeline.notes.forEach { writeStandardError($0 + "\n") }
        let evaluator = Evaluator(conditioner: pipeline.conditioner, pipeline: pipeline, recognizer: try FaceRecognizer.loadDefault())
        let files = try EvaluationFaces(folder: data, split: split, limit: limit).files
        var totals: [MaskSource: (coverage: Double, regions: Double)] = [:]
        var sheet: [[RGBImage]] = []
        for (index, file) in files.enumerated() {
            let imageSeed = EvaluationRun.imageSeed(seed: seed, setting: setting, index: index)
            let (_, degraded, _) = try evaluator.degrade(try ImageFile.read(file), setting: setting, seed: imageSeed)
            let (conditioned, masks) = evaluator.masks(of: degraded, delta: delta)
            for (source, mask) in masks {
                let s = MaskStatistics(mask)
                totals[source, default: (0, 0)].coverage += s.coverage
                totals[source, default: (0, 0)].regions += Double(s.regions)
            }
            if index < 16 {
                sheet.append([degraded, RGBImage(tensor: conditioned).clamped()] + masks.map { RGBImage(mask: $0.1) })
            }
        }
        let n = Double(files.count)
        print("Masks on \(files.count) \(split) faces (\(setting.rawValue) setting, seed \(seed), δ = \(delta)); weights: "
              + ModelFingerprint.list(in: weights).map(\.line).joined(separator: "; "))
        print("| mask | coverage | 8-connected regions per face |\n|---|---|---|")
        for source in [MaskSource.learned, .proxy, .regions] {
            let t = totals[source]!
            print(String(format: "| %@ | %.1f %% | %.1f |", Self.name(source), 100 * t.coverage / n, t.regions / n))
        }
        if let out {
            try Folder.create(out)
            try ImageFile.write(RGBImage.grid(sheet), to: out + "/masks_\(setting.rawValue).png")
            print("sheet (x, g(x), M, M′, regions per face): \(out)/masks_\(setting.rawValue).png")
        }
    }

    static func name(_ source: MaskSource) -> String {
        switch source {
        case .learned: "learned M"
        case .proxy: "proxy M′"
        case .regions: "facial regions"
        case .user: "yours"
        }
    }
}
