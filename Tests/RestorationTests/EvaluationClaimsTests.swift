import Testing
@testable import Restoration

@Suite struct EvaluationClaimsTests {
    /// Scores for three faces per method: `ids` and `perceptual` as given plus a per-face offset, so that paired
    /// differences are exact while the faces themselves vary a lot.
    func rows(_ values: [EvaluationMethod: (ids: Double, perceptual: Double, sharpness: Double)]) -> [ScoredOutput] {
        var out: [ScoredOutput] = []
        for (method, v) in values {
            for face in 0..<3 {
                let offset = Double(face) * 0.05
                out.append(ScoredOutput(setting: .paper, index: face, file: "f\(face)", method: method,
                                        scores: ImageScores(psnr: 20 + v.ids, ssim: v.ids - offset, ids: v.ids - offset, samePerson: v.ids > 0.9,
                                                            perceptual: v.perceptual + offset, sharpness: v.sharpness, seconds: 0),
                                        truthSharpness: 400))
            }
        }
        return out
    }

    @Test func verdictsFollowThePairedDifferences() {
        // A world where the paper is right, except that net4 loses perceptual quality to the IPC.
        let claims = EvaluationClaims.check(rows([
            .bicubic: (0.90, 0.30, 100), .ipc: (0.95, 0.20, 130),
            .net1: (0.85, 0.35, 300), .net2: (0.92, 0.18, 320), .net3: (0.97, 0.22, 330), .net4: (0.96, 0.21, 310),
        ]), setting: .paper)
        func verdict(_ start: String) -> EvaluationClaims.Claim? { claims.first { $0.statement.hasPrefix(start) } }
        #expect(claims.count == 15)
        #expect(verdict("ipc has a higher PSNR than bicubic")?.holds == true)
        #expect(verdict("ipc has a higher PSNR than bicubic")?.firm == true)  // the same +0.05 on every face
        #expect(verdict("net2 has a lower face-perceptual distance than ipc")?.holds == true)
        #expect(verdict("net3 has a higher IDS than net2")?.holds == true)
        #expect(verdict("net4 has a lower face-perceptual distance than net3")?.holds == true)
        // (0.96 − 0.92) / (0.97 − 0.92) = 0.8
        #expect(verdict("net4 keeps at least half")?.holds == true)
        #expect(verdict("net4 keeps at least half")?.evidence.contains("share 0.80") == true)
        #expect(verdict("net4 has a lower face-perceptual distance than ipc")?.holds == false)
        #expect(verdict("net4's sharpness is closer")?.holds == true)  // |310 − 400| < |130 − 400|
        #expect(verdict("net4's IDS is within 0.02")?.holds == true)  // 0.96 vs 0.95
    }

    @Test func aDifferenceInsideItsIntervalIsNotFirm() {
        // net3 beats net2 on one face and loses on two: mean difference −0.01, interval wide.
        var all = rows([.net2: (0.92, 0.20, 300), .net3: (0.92, 0.20, 300)])
        for i in all.indices where all[i].method == .net3 { all[i].scores.ids += [0.10, -0.07, -0.06][all[i].index] }
        let claim = EvaluationClaims.check(all, setting: .paper).first { $0.statement == "net3 has a higher IDS than net2" }!
        #expect(!claim.holds && !claim.firm)
        #expect(EvaluationClaims.markdown(all).contains("✗ net3 has a higher IDS than net2: **does not hold, within noise**"))
        // Only claims whose methods were run appear.
        #expect(EvaluationClaims.check(all, setting: .extreme).isEmpty)
    }
}
