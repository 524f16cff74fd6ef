import Foundation
import Testing
@testable import FaceID

@Suite struct ModelFileTests {
    let bytes = [UInt8](try! Data(contentsOf: URL(fileURLWithPath: modelPath)))

    func write(_ data: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "dnr-model-\(UUID().uuidString).dat"
        try Data(data).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func parsesEveryLayerAndEndsAtEndOfFile() throws {
        let model = try RecognizerModelFile.parse(bytes, path: "model")
        #expect(bytes.count == 22_466_066)
        #expect(model.layers.count == 108)
        #expect(model.means.red == 122.78199768066406 && model.means.green == 117.0009994506836 && model.means.blue == 104.2979965209961)
        #expect(abs(model.distanceThreshold - 0.6) < 1e-6)
        let parameters = model.layers.reduce(0) { total, layer in
            switch layer {
            case .convolution(let w, let b, _, _): total + w.values.count + b.count
            case .affine(let g, let b): total + g.count + b.count
            case .fullyConnected(let w, _, _): total + w.count
            default: total
            }
        }
        #expect(parameters == 5_614_592)  // the spec's count
    }

    @Test func firstWeightsMatchTheSummary() throws {
        struct Summary: Decodable { struct Layer: Decodable { let kind: String; let shape: [Int]?; let w_first5: [Float]?; let w_sum: Double? }; let layers: [Layer] }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: URL(fileURLWithPath: fixture("weights_summary.json"))))
        let model = try RecognizerModelFile.parse(bytes, path: "model")
        let convolutions = model.layers.compactMap { layer -> Tensor4? in if case .convolution(let w, _, _, _) = layer { w } else { nil } }
        let summarised = summary.layers.filter { $0.kind == "con" }
        #expect(convolutions.count == 29 && summarised.count == 29)
        for (ours, theirs) in zip(convolutions, summarised) {
            #expect(ours.shape == theirs.shape)
            #expect(Array(ours.values.prefix(5)) == theirs.w_first5)
            #expect(abs(ours.values.reduce(0.0) { $0 + Double($1) } - theirs.w_sum!) < 1e-3)
        }
    }

    /// Fuzzing's finding (scripts/fuzz.sh dat): a tensor record with huge dimensions overflowed their
    /// product and trapped; it must be a clear error.
    @Test func fuzzedTensorDimensionsAreAClearError() throws {
        let fuzzed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("fuzz/dat-huge-dimensions.bin"))))
        #expect(throws: DlibModelError.self) { try RecognizerModelFile.parse(fuzzed, path: "fuzzed") }
    }

    @Test func truncatedFileIsRefused() throws {
        let path = try write(Array(bytes.prefix(1_000_000)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try FaceRecognizer(modelPath: path)
        } throws: { error in
            guard case .wrongChecksum? = error as? DlibModelError else { return false }
            return "\(error)".contains("not dlib_face_recognition_resnet_model_v1.dat")
        }
        // Without the checksum, the parser itself notices.
        #expect {
            try RecognizerModelFile.parse(Array(bytes.prefix(1_000_000)), path: "cut")
        } throws: { error in
            guard case .truncated? = error as? DlibModelError else { return false }
            return true
        }
    }

    @Test func alteredFileIsRefused() throws {
        var altered = bytes
        altered[400] ^= 0x01  // one bit of the stem's weights
        let path = try write(altered)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try FaceRecognizer(modelPath: path)
        } throws: { error in
            guard case .wrongChecksum? = error as? DlibModelError else { return false }
            return true
        }
    }

    @Test func wrongFileIsRefusedByTheParserToo() throws {
        var altered = bytes
        altered[3] = UInt8(ascii: "x")  // the loss record's name
        #expect {
            try RecognizerModelFile.parse(altered, path: "wrong")
        } throws: { error in
            guard case .malformed? = error as? DlibModelError else { return false }
            return true
        }
    }

    @Test func missingFile() {
        #expect {
            try FaceRecognizer(modelPath: "/no/such/model.dat")
        } throws: { error in
            "\(error)" == "/no/such/model.dat: no such file"
        }
    }
}
