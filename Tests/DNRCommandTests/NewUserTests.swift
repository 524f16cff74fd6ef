import Foundation
import Imaging
import TestSupport
import Testing

/// What a new user hit, each checked where it happened.
@Suite struct NewUserTests {
    let astronaut = packageRoot + "/Samples/synthetic/astronaut_lq64.png"
    let chips = packageRoot + "/Tests/FaceIDTests/Fixtures/"

    @Test func restoreChecksItsOutputBeforeAnyWork() throws {
        let weights = try tinyWeights(), out = try scratchFolder()
        let missing = try runDNR(["restore", astronaut, "-o", "/nonexistent-dnr-folder/r.png", "--weights", weights])
        #expect(missing.status != 0 && missing.standardError.contains("/nonexistent-dnr-folder does not exist"), "\(missing.standardError)")
        #expect(!missing.standardOutput.contains("steps in"))
        // A name with a non-image extension is neither a file nor a folder: refused, nothing created.
        let text = try runDNR(["restore", astronaut, "-o", out + "/r.txt", "--weights", weights])
        #expect(text.status != 0 && text.standardError.contains(".txt is not an image format"))
        #expect(pathKindIsMissing(out + "/r.txt"))
        // degrade answers the same name the same way.
        let degraded = try runDNR(["degrade", astronaut, out + "/d.txt", "--seed", "1"])
        #expect(degraded.status != 0 && degraded.standardError.contains("d.txt") && pathKindIsMissing(out + "/d.txt"))
    }

    @Test func tinyImagesAreRefusedWithTheMinimum() throws {
        let out = try scratchFolder(), tiny = out + "/tiny.png"
        try ImageFile.write(RGBImage(width: 8, height: 8, samples: [Float](repeating: 0.5, count: 3 * 64)), to: tiny)
        for arguments in [["ids", tiny, chips + "chip01.png"], ["degrade", tiny, out + "/d.png"], ["restore", tiny, "-o", out + "/r.png", "--weights", try tinyWeights()]] {
            let result = try runDNR(arguments)
            #expect(result.status != 0 && result.standardError.contains("smaller than the 16 px dnr needs"), "\(arguments[0]): \(result.standardError)")
        }
    }

    @Test func idsDoesNotDependOnTheOrder() throws {
        // Two sizes: the second image is no longer resized to the first's width.
        let out = try scratchFolder(), small = out + "/small.png"
        try ImageFile.write(try ImageFile.read(chips + "chip03.png").resized(to: 64, filter: .box).clamped(), to: small)
        let ab = try runDNR(["ids", chips + "chip01.png", small]), ba = try runDNR(["ids", small, chips + "chip01.png"])
        #expect(ab.status == 0 && ab.standardOutput == ba.standardOutput, "\(ab.standardOutput) vs \(ba.standardOutput)")
    }

    @Test func negativeKnobValuesReachTheRangeCheck() throws {
        let result = try runDNR(["restore", astronaut, "-o", try scratchFolder() + "/r.png", "--delta", "-1"])
        #expect(result.status != 0 && result.standardError.contains("--delta must be in [0, 1]"), "\(result.standardError)")
        let eval = try runDNR(["eval", "--data", ".", "--out", try scratchFolder(), "--scale", "-2"])
        #expect(eval.status != 0 && eval.standardError.contains("--scale must be ≥ 0"), "\(eval.standardError)")
    }

    @Test func messagesFitWhatWasGiven() throws {
        let out = try scratchFolder(), wide = out + "/wide.png"
        try ImageFile.write(RGBImage(width: 40, height: 30, samples: [Float](repeating: 0.5, count: 3 * 1200)), to: wide)
        let aligned = try runDNR(["ids", wide, wide, "--align", "ffhq512"])
        #expect(aligned.standardError.contains("not square") && !aligned.standardError.contains("pass --align ffhq512"), "\(aligned.standardError)")
        let chip = try runDNR(["ids", wide, wide])
        #expect(chip.standardError.contains("pass --align ffhq512"))
    }

    func pathKindIsMissing(_ path: String) -> Bool { !FileManager.default.fileExists(atPath: path) }
}
