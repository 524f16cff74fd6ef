import Foundation
import TestSupport
import Testing

@Suite struct IdentityCommandTests {
    let chips = packageRoot + "/Tests/FaceIDTests/Fixtures/"

    @Test func samePersonAndDifferentPeople() throws {
        let same = try runDNR(["ids", chips + "chip01.png", chips + "chip02.png"])
        #expect(same.status == 0, "\(same.standardError)")
        #expect(same.standardOutput.contains("same person"))
        let different = try runDNR(["ids", chips + "chip01.png", chips + "chip03.png"])
        #expect(different.standardOutput.contains("different people"))
        // The face-perceptual distance: 0 for an image against itself, positive for two people.
        let itself = try runDNR(["ids", chips + "chip01.png", chips + "chip01.png"])
        #expect(itself.standardOutput.contains("face-perceptual distance 0.0000"), "\(itself.standardOutput)")
        #expect(different.standardOutput.contains("face-perceptual distance 0.") && !different.standardOutput.contains("distance 0.0000 ("))
    }

    @Test func embedPrintsA128DimensionalDescriptor() throws {
        let result = try runDNR(["embed", chips + "chip00.png"])
        let json = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect((json?["descriptor"] as? [Double])?.count == 128)
    }

    @Test func unreadableImageIsExplained() throws {
        let folder = try scratchFolder()
        let degraded = try runDNR(["degrade", packageRoot + "/Samples/astronaut_chip128.png", folder + "/a.png", "--seed", "1"])
        #expect(degraded.status == 0)
        // The degraded chip is fine; a file that is not an image is refused with the reason.
        let result = try runDNR(["ids", folder + "/a.png", packageRoot + "/README.md"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("not a PNG or JPEG image"))
    }
}
