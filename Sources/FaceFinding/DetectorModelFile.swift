import FaceID
import FileIO

/// The parsed face detector: dlib's MMOD network (`loss_mmod`, a tiled image pyramid in, one score map
/// out) with its sliding window and its non-maximum-suppression rule.
package struct DetectorModel {
    var means: (red: Float, green: Float, blue: Float)
    var pyramidPadding: Int
    var pyramidOuterPadding: Int
    var windowWidth: Int
    var windowHeight: Int
    var suppression: BoxOverlap
    var layers: [DlibLayer]  // bottom (input) to top
}

/// The file this port was written for: `mmod_human_face_detector.dat` from face-recognition-models
/// 0.3.0 (Davis King, CC0): `loss_mmod<con<1,9,9>, 3 × relu<affine<con<45,5,5>>>, downsampler<…>,
/// input_rgb_image_pyramid<pyramid_down<6>>>`.
public enum DetectorModelFile: DlibModelFileFormat {
    public static let name = "mmod_human_face_detector.dat"
    public static let sha256 = "4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6"
    static let layerCount = 19

    package static func parse(_ bytes: [UInt8], path: String) throws(DlibModelError) -> DetectorModel {
        var r = DlibReader(bytes: bytes, path: path)
        guard try r.signed() == 1 else { throw r.malformed("loss wrapper version must be 1") }
        guard try r.string() == "loss_mmod_" else { throw r.malformed("expected a loss_mmod record; this is not a dlib MMOD detector") }
        // mmod_options, version 1–4 (dlib/dnn/loss.h).
        let version = try r.signed()
        guard (1...4).contains(version) else { throw r.malformed("mmod options version \(version) is unknown") }
        var windows: [(Int, Int)] = []
        if version == 1 {
            windows = [(try r.unsigned(), try r.unsigned())]
        } else {
            let count = try r.unsigned()
            guard count <= 64 else { throw r.malformed("\(count) detector windows is implausible") }
            for _ in 0..<count {
                let windowVersion = try r.signed()
                let size = (try r.unsigned(), try r.unsigned())
                if windowVersion == 2 { _ = try r.string() }
                windows.append(size)
            }
        }
        guard windows.count == 1, (1...1000).contains(windows[0].0), (1...1000).contains(windows[0].1) else {
            throw r.malformed("only a detector with one window is supported (found \(windows.count))")
        }
        _ = try r.real(); _ = try r.real(); _ = try r.real()  // training losses, truth IoU
        let suppression = BoxOverlap(iouThreshold: try r.real(), coveredThreshold: try r.real())
        _ = try r.real(); _ = try r.real()  // overlaps_ignore (training only)
        if version >= 3 { guard try r.byte() == 1 else { throw r.malformed("the detector must assume an image pyramid") } }
        if version >= 4 {
            if try r.bool() { throw r.malformed("bounding-box regression is not supported") }
            _ = try r.real()
        }
        for position in 0..<layerCount {
            let wrapper = try r.signed()
            let valid = position == layerCount - 1 ? (wrapper == 2 || wrapper == 3) : wrapper == 2
            guard valid else { throw r.malformed("wrapper \(position) has version \(wrapper); this is not the expected network") }
        }
        let input = try r.string()
        guard input == "input_rgb_image_pyramid" || input == "input_rgb_image_pyramid2" else {
            throw r.malformed("expected the input_rgb_image_pyramid record, found '\(input)'")
        }
        let means = (Float(try r.real()), Float(try r.real()), Float(try r.real()))
        var padding = 10, outerPadding = 11
        if input == "input_rgb_image_pyramid2" {
            padding = try r.unsigned(); outerPadding = try r.unsigned()
            guard padding <= 1000, outerPadding <= 1000 else { throw r.malformed("implausible pyramid padding") }
        }
        var layers: [DlibLayer] = []
        for index in 0..<layerCount {
            layers.append(try RecognizerModelFile.readLayer(&r))
            _ = try r.bool(); _ = try r.bool(); _ = try r.bool()
            for _ in 0..<3 { _ = try r.tensor() }
            if index == 0 { _ = try r.unsigned() }  // sample_expansion_factor of the bottom wrapper
        }
        guard r.atEnd else { throw r.malformed("\(bytes.count - r.offset) unexpected bytes after the last layer") }
        try checkArchitecture(layers, path: path)
        return DetectorModel(means: means, pyramidPadding: padding, pyramidOuterPadding: outerPadding,
                             windowWidth: windows[0].0, windowHeight: windows[0].1, suppression: suppression, layers: layers)
    }

    /// con–affine–relu six times (strides 2, 2, 2, 1, 1, 1), then the one-channel score convolution.
    static func checkArchitecture(_ layers: [DlibLayer], path: String) throws(DlibModelError) {
        let expected = Array(repeating: ["con", "affine", "relu"], count: 6).flatMap { $0 } + ["con"]
        guard layers.map(\.kind) == expected else {
            throw .malformed(path: path, offset: 0, reason: "layers \(layers.map(\.kind)) are not the MMOD face detector's")
        }
        let strides = layers.compactMap { layer -> Int? in
            if case .convolution(_, _, let stride, _) = layer { return stride } else { return nil }
        }
        guard strides == [2, 2, 2, 1, 1, 1, 1] else { throw .malformed(path: path, offset: 0, reason: "convolution strides \(strides) are not the detector's") }
        guard case .convolution(let w, _, _, _) = layers.last!, w.shape[0] == 1 else {
            throw .malformed(path: path, offset: 0, reason: "the score layer must have one output channel")
        }
    }
}
