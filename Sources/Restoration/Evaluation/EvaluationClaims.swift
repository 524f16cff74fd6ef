import Foundation

/// The paper's claims (the shape of its Tables 1 and 6, and what our training issue asks of the
/// weights), checked against an evaluation's per-face scores. A directional claim is judged on the
/// paired difference over the same faces: it holds when the mean difference points the claimed way,
/// and it is firm when the 95 % interval of that difference excludes zero.
public enum EvaluationClaims {
    public struct Claim: Sendable, Equatable {
        public var statement: String
        public var holds: Bool
        /// False when the paired interval includes zero (only for directional claims).
        public var firm: Bool
        public var evidence: String
    }

    /// The claims whose methods were all run, for one setting.
    public static func check(_ rows: [ScoredOutput], setting: EvaluationSetting) -> [Claim] {
        var byMethod: [EvaluationMethod: [Int: ScoredOutput]] = [:]
        for row in rows where row.setting == setting { byMethod[row.method, default: [:]][row.index] = row }
        func has(_ methods: EvaluationMethod...) -> Bool { methods.allSatisfy { byMethod[$0] != nil } }

        /// `better` beats `worse` on `measure` (higher is better unless it is the perceptual distance).
        func beats(_ better: EvaluationMethod, _ worse: EvaluationMethod, on measure: ScoreMeasure) -> Claim {
            let faces = Set(byMethod[better]!.keys).intersection(byMethod[worse]!.keys).sorted()
            let sign: Double = measure == .perceptual ? -1 : 1
            let differences = faces.map { sign * (measure.value(byMethod[better]![$0]!.scores) - measure.value(byMethod[worse]![$0]!.scores)) }
            let (mean, half) = meanWithInterval(differences)
            let a = meanWithInterval(faces.map { measure.value(byMethod[better]![$0]!.scores) }).mean
            let b = meanWithInterval(faces.map { measure.value(byMethod[worse]![$0]!.scores) }).mean
            let digits = measure == .psnr ? 2 : 4
            return Claim(statement: "\(better.rawValue) \(measure == .perceptual ? "has a lower" : "has a higher") \(measure.rawValue) than \(worse.rawValue)",
                         holds: mean > 0, firm: abs(mean) > half,
                         evidence: "\(fmt(a, digits)) vs \(fmt(b, digits)); paired difference \(EvaluationReport.signed(sign * mean, digits)) ± \(fmt(half, digits))")
        }
        func mean(_ method: EvaluationMethod, _ key: (ScoredOutput) -> Double) -> Double {
            meanWithInterval(byMethod[method]!.values.map(key)).mean
        }

        var claims: [Claim] = []
        if has(.bicubic, .ipc) {
            for measure in [ScoreMeasure.psnr, .ssim, .ids, .samePerson] { claims.append(beats(.ipc, .bicubic, on: measure)) }
        }
        if has(.ipc, .net2) {
            claims.append(beats(.net2, .ipc, on: .perceptual))  // diffusion recovers perceptual quality (Table 1)
            claims.append(beats(.ipc, .net2, on: .ids))  // … at the cost of identity
        }
        if has(.net1, .net2) {
            claims.append(beats(.net2, .net1, on: .ids))
            claims.append(beats(.net2, .net1, on: .perceptual))
        }
        if has(.net2, .net3) {
            claims.append(beats(.net3, .net2, on: .ids))
            claims.append(beats(.net2, .net3, on: .perceptual))
        }
        if has(.net3, .net4) { claims.append(beats(.net4, .net3, on: .perceptual)) }
        if has(.net2, .net3, .net4) {
            let (i2, i3, i4) = (mean(.net2) { $0.scores.ids }, mean(.net3) { $0.scores.ids }, mean(.net4) { $0.scores.ids })
            let share = i3 > i2 ? (i4 - i2) / (i3 - i2) : .nan
            claims.append(Claim(statement: "net4 keeps at least half of net3's IDS gain over net2 (the paper: 0.07 of 0.09)",
                                holds: share >= 0.5, firm: true,
                                evidence: "IDS net2 \(fmt(i2, 4)), net3 \(fmt(i3, 4)), net4 \(fmt(i4, 4)): share \(share.isFinite ? fmt(share, 2) : "undefined (no gain)")"))
        }
        if has(.ipc, .net4) {
            claims.append(beats(.net4, .ipc, on: .perceptual))
            let truth = mean(.net4) { $0.truthSharpness }
            let (ipc, net4) = (mean(.ipc) { $0.scores.sharpness }, mean(.net4) { $0.scores.sharpness })
            claims.append(Claim(statement: "net4's sharpness is closer to the ground truth's than the IPC's", holds: abs(net4 - truth) < abs(ipc - truth),
                                firm: true, evidence: "net4 \(fmt(net4, 0)), ipc \(fmt(ipc, 0)), truth \(fmt(truth, 0))"))
            let (idsIPC, idsNet4) = (mean(.ipc) { $0.scores.ids }, mean(.net4) { $0.scores.ids })
            claims.append(Claim(statement: "net4's IDS is within 0.02 of the IPC's", holds: idsNet4 >= idsIPC - 0.02, firm: true,
                                evidence: "net4 \(fmt(idsNet4, 4)), ipc \(fmt(idsIPC, 4))"))
        }
        return claims
    }

    /// A Markdown list per setting.
    public static func markdown(_ rows: [ScoredOutput]) -> String {
        var text = ""
        for setting in EvaluationSetting.allCases {
            let claims = check(rows, setting: setting)
            guard !claims.isEmpty else { continue }
            text += "\n#### The paper's claims, setting `\(setting.rawValue)`\n\n"
            for claim in claims {
                let verdict = claim.holds ? (claim.firm ? "holds" : "holds, within noise") : (claim.firm ? "does not hold" : "does not hold, within noise")
                text += "- \(claim.holds ? "✓" : "✗") \(claim.statement): **\(verdict)** (\(claim.evidence))\n"
            }
        }
        if !text.isEmpty {
            text += "\n(Directional claims are judged on the paired per-face difference, ± its 95 % interval; \"within noise\" when that interval includes zero.)\n"
        }
        return text
    }

    static func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}
