import Foundation
import Imaging
import TestSupport
import Testing

@Suite struct FacesCommandTests {
    /// `dnr faces` prints dlib's boxes for a photo as JSON and writes the chips.
    @Test func printsTheFacesAndWritesTheirChips() throws {
        let chips = try scratchFolder()
        let photo = packageRoot + "/Tests/FaceFindingTests/Fixtures/photos/group-01.png"
        let result = try runDNR(["faces", photo, "--chips", chips, "--chip-size", "64"])
        #expect(result.status == 0, "\(result.standardError)")
        struct Report: Decodable {
            struct Face: Decodable { struct Box: Decodable { let left, top, right, bottom: Int }; let box: Box; let score: Double; let landmarks: [[String: Int]] }
            let photo: String; let upsample: Int; let faces: [Face]
        }
        let reports = try JSONDecoder().decode([Report].self, from: Data(result.standardOutput.utf8))
        #expect(reports.count == 1 && reports[0].upsample == 1 && reports[0].faces.count == 2)
        #expect(reports[0].faces.allSatisfy { $0.score > 0 && $0.landmarks.count == 5 })
        // The boxes are dlib's (scripts/fixtures/dlib-faces.py): the first one found at upsample 1.
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Tests/FaceFindingTests/Fixtures/photos/dlib-faces.json"))) as! [String: Any]
        let first = (((reference["photos"] as! [String: Any])["group-01.png"] as! [String: Any])["upsample1"] as! [[String: Any]])[0]["box"] as! [Int]
        let box = reports[0].faces[0].box
        #expect([box.left, box.top, box.right, box.bottom] == first)
        #expect(try ImageFile.read(chips + "/group-01-face1.png").width == 64)
    }

    @Test func aPhotoWithoutFacesSaysSo() throws {
        let folder = try scratchFolder()
        try ImageFile.write(RGBImage(width: 64, height: 48, fill: (0.4, 0.4, 0.4)), to: folder + "/wall.png")
        let result = try runDNR(["faces", folder + "/wall.png", "--upsample", "0"])
        #expect(result.status == 0)
        #expect(result.standardError.contains("no faces found (smaller faces: --upsample 1)"), "\(result.standardError)")
    }
}
