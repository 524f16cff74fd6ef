import Foundation
import Testing
@testable import Restoration

@Suite struct BaselineComparisonTests {
    func row(_ index: Int, _ method: EvaluationMethod = .net4, ids: Double, same: Bool, psnr: Double = 25) -> ScoredOutput {
        ScoredOutput(setting: .paper, index: index, file: "dev/f\(index).jpg", method: method,
                     scores: ImageScores(psnr: psnr, ssim: 0.9, ids: ids, samePerson: same, perceptual: 0.2, sharpness: 150, seconds: 1),
                     truthSharpness: 400)
    }

    func record(seed: UInt64 = 0, weights: String = "unet.safetensors aaaa") -> EvaluationRunRecord {
        var r = EvaluationRunRecord(data: "faces", split: "dev", seed: seed, methods: ["net4"], startStep: 400, steps: 25, scale: 500, delta: 0.04,
                                    temperature: 0.9, weights: [])
        r.weights = [weights]
        return r
    }

    /// A baseline folder with run.json and scores.csv.
    func baselineFolder(_ record: EvaluationRunRecord, _ rows: [ScoredOutput]) throws -> String {
        let folder = NSTemporaryDirectory() + "dnr-baseline-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try record.claim(folder: folder)
        let csv = ([EvaluationReport.csvHeader] + rows.map(EvaluationReport.csvLine)).joined(separator: "\n") + "\n"
        try csv.write(toFile: folder + "/scores.csv", atomically: true, encoding: .utf8)
        return folder
    }

    @Test func differencesArePairedFaceByFace() throws {
        // IDS rises by 0.01, 0.02, 0.03 on the three faces both runs scored: mean 0.02, sd 0.01, interval 1.96·0.01/√3 = 0.0113.
        // Same person: 1, 1, 0 before, 1, 0, 0 after: mean −1/3, sd √(1/3), interval 1.96·√(1/3)/√3 = 0.6533 (in points ×100).
        let before = [row(0, ids: 0.90, same: true), row(1, ids: 0.80, same: true), row(2, ids: 0.95, same: false), row(3, ids: 0.5, same: false)]
        let after = [row(0, ids: 0.91, same: true, psnr: 25.5), row(1, ids: 0.82, same: false, psnr: 25.5), row(2, ids: 0.98, same: false, psnr: 25.5),
                     row(4, ids: 0.1, same: false), row(0, .ipc, ids: 0.99, same: true)]
        let folder = try baselineFolder(record(), before)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let baseline = try BaselineRun(folder: folder, comparedWith: record(weights: "unet.safetensors bbbb"))
        #expect(baseline.differences == ["weights"])
        let table = baseline.comparisonTable(after)
        // Faces 3 and 4 were scored by one run each, the IPC by this run only: one row over 3 faces.
        #expect(table.contains("| paper | net4 | 3 | +0.50 ± 0.00 | +0.0000 ± 0.0000 | +0.0200 ± 0.0113 | −33.3 ± 65.3 | +0.0000 ± 0.0000 | +0 ± 0 |"))
        #expect(!table.contains("| ipc |"))
        #expect(table.contains("it differs in: weights"))
    }

    @Test func aRunOfOtherNoiseOrAZippedScoreFileIsRefused() throws {
        let folder = try baselineFolder(record(seed: 1), [row(0, ids: 0.9, same: true)])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: EvaluationRunError.self) { try BaselineRun(folder: folder, comparedWith: record(seed: 0)) }
        try FileManager.default.moveItem(atPath: folder + "/scores.csv", toPath: folder + "/scores.csv.gz")
        do {
            _ = try BaselineRun(folder: folder, comparedWith: record(seed: 1))
            Issue.record("a folder without scores.csv loaded")
        } catch {
            #expect("\(error)".contains("gunzip"))
        }
    }
}
