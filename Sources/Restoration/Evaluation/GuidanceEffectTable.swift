/// `dnr eval`'s record of where guidance changed each face (guidance_effect.csv, appended face by face)
/// and its table in the report: each guided method's output against Net2's on the same noise.
extension EvaluationReport {
    /// "setting,index,method,mean_change,share_in_mask,mask_coverage" (share empty when nothing changed).
    public static func effectLine(setting: EvaluationSetting, index: Int, method: EvaluationMethod, _ e: GuidanceEffect) -> String {
        "\(setting.rawValue),\(index),\(method.rawValue),\(e.meanChange),\(e.shareInMask.map { "\($0)" } ?? ""),\(e.maskCoverage)"
    }

    /// The effects by "setting/index/method" (a line written again by a resumed face replaces the first).
    public static func parseEffects(_ text: String) -> [String: GuidanceEffect] {
        var out: [String: GuidanceEffect] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == 6, let change = Float(f[3]), let coverage = Float(f[5]) else { continue }
            out[String(f[0...2].joined(separator: "/"))] = GuidanceEffect(meanChange: change, shareInMask: Float(f[4]), maskCoverage: coverage)
        }
        return out
    }

    /// Per setting: each guided method's mean change and the share of it inside the mask Net4 uses, beside
    /// that mask's coverage (the share a change that ignored the mask would have). Empty without effects.
    public static func guidanceEffectTable(_ effects: [String: GuidanceEffect], count: Int, settings: [EvaluationSetting]) -> String {
        var text = ""
        for setting in settings {
            func effect(_ i: Int, _ method: EvaluationMethod) -> GuidanceEffect? { effects["\(setting.rawValue)/\(i)/\(method.rawValue)"] }
            let rows = [EvaluationMethod.net3, .net4].map { method in (method, (0..<count).compactMap { effect($0, method) }) }
                .filter { !$0.1.isEmpty }
            guard !rows.isEmpty else { continue }
            let coverage = meanWithInterval(rows[0].1.map { Double($0.maskCoverage) })
            text += "\n#### Where guidance changed the face, setting `\(setting.rawValue)`\n\n"
            text += "Each guided output against Net2's on the same noise: the mean change per pixel ([0, 1] scale) and the share of "
            text += "that change inside the mask Net4 uses, which covers \(fmt(100 * coverage.mean, 1)) % of a face on average "
            text += "(a change that ignored the mask would put about that share inside it).\n\n"
            text += "| method | faces | mean change | share inside the mask |\n|---|---|---|---|\n"
            for (method, e) in rows {
                let change = meanWithInterval(e.map { Double($0.meanChange) })
                let share = meanWithInterval(e.compactMap { $0.shareInMask.map { 100 * Double($0) } })
                text += "| \(method.rawValue) | \(e.count) | \(fmt(change.mean, 4)) ± \(fmt(change.halfWidth, 4)) | \(fmt(share.mean, 1)) ± \(fmt(share.halfWidth, 1)) % |\n"
            }
            let paired = (0..<count).compactMap { i -> Double? in
                guard let m = effect(i, .net4)?.shareInMask, let u = effect(i, .net3)?.shareInMask else { return nil }
                return 100 * Double(m - u)
            }
            if !paired.isEmpty {
                let d = meanWithInterval(paired)
                text += "\nShare inside the mask, net4 − net3 paired over \(paired.count) faces: \(fmt(d.mean, 1)) ± \(fmt(d.halfWidth, 1)) points.\n"
            }
        }
        return text
    }
}
