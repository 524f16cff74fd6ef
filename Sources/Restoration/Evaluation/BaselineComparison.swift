import FileIO
import Foundation

/// An earlier evaluation of the same faces (same split and seed: the same degradations and the same noise), against
/// which a run's scores are paired face by face: what a new network or setting changed, with its 95 % interval.
public struct BaselineRun: Sendable {
    public let folder: String
    public let record: EvaluationRunRecord
    public let rows: [ScoredOutput]
    /// What the two runs differ in (weights, sampler settings…), by name.
    public let differences: [String]

    /// Reads `folder`'s run.json and scores.csv; refuses a run of other faces, degradations or noise than `current`'s.
    public init(folder: String, comparedWith current: EvaluationRunRecord) throws {
        self.folder = folder
        guard let recordBytes = try? AtomicFile.read(folder + "/run.json") else {
            throw EvaluationRunError.io("\(folder)/run.json: no evaluation run there (the baseline is another `dnr eval --out` folder)")
        }
        record = try JSONDecoder().decode(EvaluationRunRecord.self, from: Data(recordBytes))
        let file = EvaluationRun.scoresFile
        guard let scores = try? String(contentsOfFile: folder + "/" + file, encoding: .utf8) else {
            let zipped = FileManager.default.fileExists(atPath: folder + "/\(file).gz")
            throw EvaluationRunError.io("\(folder)/\(file): missing" + (zipped ? " (gunzip -k \(file).gz there first)" : ""))
        }
        rows = EvaluationReport.parse(csv: scores)
        let differing = record.differences(from: current)
        let unpairable = differing.filter { ["split", "seed"].contains($0) }
        if !unpairable.isEmpty {
            throw EvaluationRunError.mismatch("\(folder) was run with another \(unpairable.joined(separator: " and ")): its faces cannot be paired with this run's")
        }
        differences = differing.filter { $0 != "methods" }
    }

    /// Per setting and method that both runs scored: this run minus the baseline, paired over the faces both scored
    /// (same index and file), mean ± 95 % interval of every measure.
    public func comparisonTable(_ current: [ScoredOutput]) -> String {
        var baseline: [String: ScoredOutput] = [:]
        for row in rows { baseline[Self.key(row)] = row }
        var lines: [String] = []
        for setting in EvaluationSetting.allCases {
            for method in EvaluationMethod.allCases {
                let pairs = current.filter { $0.setting == setting && $0.method == method }.compactMap { row in baseline[Self.key(row)].map { (row, $0) } }
                guard !pairs.isEmpty else { continue }
                var line = "| \(setting.rawValue) | \(method.rawValue) | \(pairs.count) |"
                for measure in ScoreMeasure.allCases {
                    let d = meanWithInterval(pairs.map { measure.value($0.0.scores) - measure.value($0.1.scores) })
                    let scale = measure == .samePerson ? 100.0 : 1
                    line += " \(EvaluationReport.signed(scale * d.mean, measure.digits)) ± \(EvaluationReport.fmt(scale * d.halfWidth, measure.digits)) |"
                }
                lines.append(line)
            }
        }
        let changed = differences.isEmpty ? "nothing recorded in run.json" : differences.joined(separator: ", ")
        var text = "\n### Against the baseline run `\(PortablePath.relative(folder))` (it differs in: \(changed))\n\n"
        guard !lines.isEmpty else { return text + "No face was scored by the same method in both runs.\n" }
        text += "This run minus the baseline, paired over the faces both scored (same faces, degradations and noise), ± 95 % interval; "
        text += "same person in points. A difference whose interval excludes zero is a change, not noise.\n\n"
        text += "| setting | method | faces | " + ScoreMeasure.allCases.map(\.columnTitle).joined(separator: " | ") + " |\n"
        text += "|---|---|---|" + String(repeating: "---|", count: ScoreMeasure.allCases.count) + "\n"
        return text + lines.joined(separator: "\n") + "\n"
    }

    static func key(_ row: ScoredOutput) -> String { "\(row.setting.rawValue)/\(row.index)/\(row.file)/\(row.method.rawValue)" }
}
