import FaceID
import Foundation
import Testing
@testable import FaceFinding

@Suite struct FaceFindingModelFileTests {
    let detectorBytes = [UInt8](try! Data(contentsOf: URL(fileURLWithPath: Models.folder + "/" + DetectorModelFile.name)))
    let predictorBytes = [UInt8](try! Data(contentsOf: URL(fileURLWithPath: Models.folder + "/" + LandmarkModelFile.name)))

    @Test func detectorFileParses() throws {
        let model = try DetectorModelFile.parse(detectorBytes, path: "detector")
        #expect(model.layers.count == 19)
        #expect(model.windowWidth == 80 && model.windowHeight == 80)
        #expect(abs(model.suppression.iouThreshold - 0.3382761351109955) < 1e-12 && model.suppression.coveredThreshold == 1)
        #expect((model.pyramidPadding, model.pyramidOuterPadding) == (10, 11))
    }

    @Test func predictorFileParses() throws {
        let model = try LandmarkModelFile.parse(predictorBytes, path: "predictor")
        #expect(model.meanShape.count == 10)
        #expect(model.cascades.count == model.anchors.count && model.cascades.count == model.deltas.count)
        #expect(model.cascades.allSatisfy { !$0.isEmpty })
    }

    @Test func wrongFilesAreRefusedByName() throws {
        let path = NSTemporaryDirectory() + "dnr-detector-\(UUID().uuidString).dat"
        try Data(predictorBytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try FaceDetector(modelPath: path) } throws: { error in
            guard case .wrongChecksum? = error as? DlibModelError else { return false }
            return "\(error)".contains("not mmod_human_face_detector.dat")
        }
        #expect(throws: DlibModelError.self) { try DetectorModelFile.parse(predictorBytes, path: "swapped") }
        #expect(throws: DlibModelError.self) { try LandmarkModelFile.parse(detectorBytes, path: "swapped") }
    }

    /// Fuzzing's finding (scripts/fuzz.sh detector, 490 k runs): a batch-norm record whose
    /// parameters are fewer than its alias tensor's channels indexed past them and trapped; it must be
    /// a clear error, and so must alias dimensions whose product overflows.
    @Test func fuzzedDetectorFileIsAClearError() throws {
        let path = Bundle.module.resourcePath! + "/Fixtures/fuzz/detector-batch-norm-counts.bin"
        let fuzzed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(throws: DlibModelError.self) { try DetectorModelFile.parse(fuzzed, path: "fuzzed") }
    }

    /// Cut anywhere, or with a byte changed in the header, a file is a clear error, never a crash.
    @Test func truncatedAndDamagedFilesAreClearErrors() {
        for cut in [0, 1, 10, 100, 1000, detectorBytes.count / 2, detectorBytes.count - 1] {
            #expect(throws: DlibModelError.self) { try DetectorModelFile.parse(Array(detectorBytes.prefix(cut)), path: "cut") }
        }
        for cut in [0, 5, 500, predictorBytes.count / 3, predictorBytes.count - 1] {
            #expect(throws: DlibModelError.self) { try LandmarkModelFile.parse(Array(predictorBytes.prefix(cut)), path: "cut") }
        }
        var damaged = predictorBytes
        damaged[1] = 0xFF
        #expect(throws: DlibModelError.self) { try LandmarkModelFile.parse(damaged, path: "damaged") }
    }
}
