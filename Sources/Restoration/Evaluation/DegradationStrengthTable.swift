import Foundation

/// `dnr eval`'s scores grouped by how much of the face the degradation took away. The paper remarks that the
/// trade-off between perceptual quality and identity "is more prominent when the level of degradation is high"
/// (§3.2); this table measures it. Faces are grouped by their draw's downscale factor s (the input's side is R/s
/// pixels), in three bins of equal width over the setting's range, then all together; a setting with one s (extreme)
/// has the one group.
extension EvaluationReport {
    public static let degradationStrengthBins = 3

    /// `scale(setting, index)`: the downscale factor face `index` was degraded with. With the IPC among the
    /// methods, each diffusion method also gets its same-person rate and face-perceptual distance minus the
    /// IPC's, paired face by face (± 95 %).
    public static func degradationStrengthTable(_ rows: [ScoredOutput], resolution: Int, scaleRange: (EvaluationSetting) -> ClosedRange<Double>,
                                                scale: (EvaluationSetting, Int) -> Double) -> String {
        let shown: [ScoreMeasure] = [.psnr, .samePerson, .perceptual]
        let paired: [ScoreMeasure] = [.samePerson, .perceptual]
        var text = ""
        for setting in EvaluationSetting.allCases {
            let range = scaleRange(setting)
            let inSetting = rows.filter { $0.setting == setting }
            guard !inSetting.isEmpty else { continue }
            let bins = range.upperBound > range.lowerBound ? degradationStrengthBins : 1
            let width = (range.upperBound - range.lowerBound) / Double(bins)
            let allFaces = Set(inSetting.map(\.index)).sorted()
            let faceBins = Dictionary(grouping: allFaces) { index in
                width > 0 ? min(bins - 1, max(0, Int((scale(setting, index) - range.lowerBound) / width))) : 0
            }
            let byFace = Dictionary(grouping: inSetting, by: \.index).mapValues { Dictionary($0.map { ($0.method, $0.scores) }, uniquingKeysWith: { $1 }) }
            let hasIPC = inSetting.contains { $0.method == .ipc }
            text += "\n#### By degradation strength, setting `\(setting.rawValue)`\n\n"
            text += "Faces grouped by the downscale factor s of their degradation (the input is R/s pixels wide, R = \(resolution)); "
            text += "the paper: the trade-off between perceptual quality and identity grows with the degradation."
            text += hasIPC ? " The last columns: each diffusion method minus the IPC, paired face by face, ± 95 % (same person in points).\n\n" : "\n\n"
            let columns = shown.map(\.columnTitle) + (hasIPC ? paired.map { "\($0.columnTitle.dropLast(2)) − IPC" } : [])
            text += "| s | input | faces | method | " + columns.joined(separator: " | ") + " |\n|---|---|---|---|" + String(repeating: "---|", count: columns.count) + "\n"
            func sizes(_ lo: Double, _ hi: Double) -> (scale: String, input: String) {
                let small = Int((Double(resolution) / hi).rounded()), large = Int((Double(resolution) / lo).rounded())
                return lo == hi ? (fmt(lo, 1), "\(small) px") : ("\(fmt(lo, 1))–\(fmt(hi, 1))", "\(small)–\(large) px")
            }
            var groups = faceBins.sorted(by: { $0.key < $1.key }).map { bin, faces in
                let lo = range.lowerBound + Double(bin) * width
                return (sizes(lo, lo + width), faces)
            }
            if groups.count > 1 { groups.append((("all", sizes(range.lowerBound, range.upperBound).input), allFaces)) }
            for ((scaleLabel, size), faces) in groups {
                for method in EvaluationMethod.allCases {
                    let scores = faces.compactMap { byFace[$0]?[method] }
                    guard !scores.isEmpty else { continue }
                    var cells = shown.map { m in
                        fmt((m == .samePerson ? 100 : 1) * meanWithInterval(scores.map { m.value($0) }).mean, m.digits) + (m == .samePerson ? " %" : "")
                    }
                    if hasIPC {
                        let pairs = method.needsDiffusion ? faces.compactMap { i in byFace[i]?[method].flatMap { s in byFace[i]?[.ipc].map { (s, $0) } } } : []
                        cells += paired.map { m in
                            guard !pairs.isEmpty else { return "" }
                            let scale: Double = m == .samePerson ? 100 : 1
                            let d = meanWithInterval(pairs.map { scale * (m.value($0.0) - m.value($0.1)) })
                            return "\(signed(d.mean, m.digits)) ± \(fmt(d.halfWidth, m.digits))"
                        }
                    }
                    text += "| \(scaleLabel) | \(size) | \(scores.count) | \(method.rawValue) | " + cells.joined(separator: " | ") + " |\n"
                }
            }
        }
        return text
    }
}
