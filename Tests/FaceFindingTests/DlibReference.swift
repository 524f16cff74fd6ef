import Foundation
import Imaging
import TestSupport
@testable import FaceFinding

/// dlib's own answers on the composed test photos (scripts/fixtures/dlib-faces.py, dlib 20.0.1).
struct DlibReference: Decodable {
    struct Detection: Decodable { let box: [Int]; let score: Double }
    struct Face: Decodable { let box: [Int]; let landmarks: [[Int]]; let chip: String? }
    struct Photo: Decodable {
        let upsample0: [Detection]
        let upsample1: [Detection]
        let faces: [Face]
    }
    let dlib: String
    let photos: [String: Photo]

    static let folder = Bundle.module.resourcePath! + "/Fixtures/photos"
    static let shared: DlibReference = try! JSONDecoder().decode(
        DlibReference.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/dlib-faces.json")))

    static func photo(_ name: String) -> RGBImage { try! ImageFile.read(folder + "/" + name) }
}

enum Models {
    static let folder = packageRoot + "/Models"
    static let detector = try! FaceDetector(modelPath: folder + "/" + DetectorModelFile.name)
    static let predictor = try! LandmarkPredictor(modelPath: folder + "/" + LandmarkModelFile.name)
}

extension PixelRect {
    init(_ corners: [Int]) { self.init(left: corners[0], top: corners[1], right: corners[2], bottom: corners[3]) }
}
