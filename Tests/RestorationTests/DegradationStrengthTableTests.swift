import Foundation
import Imaging
import Testing
@testable import Restoration

@Suite struct DegradationStrengthTableTests {
    func row(_ index: Int, _ method: EvaluationMethod, same: Bool, perceptual: Double, setting: EvaluationSetting = .paper) -> ScoredOutput {
        ScoredOutput(setting: setting, index: index, file: "dev/f\(index).jpg", method: method,
                     scores: ImageScores(psnr: 25, ssim: 0.9, ids: 0.9, samePerson: same, perceptual: perceptual, sharpness: 150, seconds: 1),
                     truthSharpness: 400)
    }

    @Test func facesAreBinnedByScaleThenTakenTogetherAndPairedWithTheIPC() {
        // s over 1…4 in thirds: faces 0, 1 at s = 1.5 (bin 1–2), face 2 at s = 4 (the top edge stays in bin 3–4).
        let scales = [0: 1.5, 1: 1.5, 2: 4.0]
        let rows = [row(0, .ipc, same: true, perceptual: 0.10), row(0, .net4, same: true, perceptual: 0.08),
                    row(1, .ipc, same: true, perceptual: 0.20), row(1, .net4, same: false, perceptual: 0.16),
                    row(2, .ipc, same: true, perceptual: 0.30), row(2, .net4, same: false, perceptual: 0.33),
                    row(2, .ipc, same: true, perceptual: 0.5, setting: .extreme)]
        let table = EvaluationReport.degradationStrengthTable(rows, resolution: 64, scaleRange: { $0 == .paper ? 1...4 : 4...4 },
                                                              scale: { _, index in scales[index]! })
        // Bin 1–2: net4 − IPC same person 0, −100 → −50 ± 1.96·70.71/√2 = 98.0; perceptual −0.02, −0.04 → −0.03 ± 1.96·0.01414/√2 = 0.0196.
        #expect(table.contains("| 1.0–2.0 | 32–64 px | 2 | ipc | 25.00 | 100.0 % | 0.1500 |  |  |"))
        #expect(table.contains("| 1.0–2.0 | 32–64 px | 2 | net4 | 25.00 | 50.0 % | 0.1200 | −50.0 ± 98.0 | −0.0300 ± 0.0196 |"))
        #expect(table.contains("| 3.0–4.0 | 16–21 px | 1 | net4 | 25.00 | 0.0 % | 0.3300 | −100.0 ± 0.0 | +0.0300 ± 0.0000 |"))
        #expect(!table.contains("2.0–3.0"))
        // All three faces: same person 0, −100, −100 → −66.7 ± 1.96·57.74/√3 = 65.3; perceptual −0.02, −0.04, +0.03 →
        // −0.0100 ± 1.96·0.03606/√3 = 0.0408.
        #expect(table.contains("| all | 16–64 px | 3 | ipc | 25.00 | 100.0 % | 0.2000 |  |  |"))
        #expect(table.contains("| all | 16–64 px | 3 | net4 | 25.00 | 33.3 % | 0.1900 | −66.7 ± 65.3 | −0.0100 ± 0.0408 |"))
        // A setting with one s has its one group, and no "all" beside it.
        #expect(table.contains("setting `extreme`"))
        #expect(table.contains("| 4.0 | 16 px | 1 | ipc | 25.00 | 100.0 % | 0.5000 |  |  |"))
        #expect(table.components(separatedBy: "| all |").count == 3)
    }

    @Test func theScaleOfAnEvaluatedFaceIsTheOneItWasDegradedWith() throws {
        // Face 0 of a seed-0 run, paper setting at R = 64, as an independent implementation of xoshiro256** drew it
        // (blur σ 0.4553, s 3.4745, noise σ 19.744, JPEG q 49).
        let seed = EvaluationRun.imageSeed(seed: 0, setting: .paper, index: 0)
        let drawn = Degradation.parameters(ranges: EvaluationSetting.paper.ranges(resolution: 64), seed: seed)
        #expect(abs(drawn.scale - 3.474549453160988) < 1e-12 && abs(drawn.blurSigma - 0.45530793751591775) < 1e-12)
        #expect(abs(drawn.noiseSigma - 19.744371957197725) < 1e-12 && drawn.jpegQuality == 49)
    }
}
