import FileIO

/// One layer record of a dlib network file, in execution (bottom-to-top) order.
package enum DlibLayer {
    case convolution(weight: Tensor4, bias: [Float], stride: Int, padding: Int)
    case affine(gamma: [Float], beta: [Float])
    case relu
    case maxPool(size: Int, stride: Int, padding: Int)
    case averagePool(size: Int, stride: Int, padding: Int)  // size 0: the whole plane
    case addPrevious
    case fullyConnected(weight: [Float], inputs: Int, outputs: Int)  // [in][out]

    package var kind: String {
        switch self {
        case .convolution: "con"
        case .affine: "affine"
        case .relu: "relu"
        case .maxPool: "max_pool"
        case .averagePool: "avg_pool"
        case .addPrevious: "add_prev"
        case .fullyConnected: "fc"
        }
    }
}

package struct Tensor4 {
    package let shape: [Int]
    package let values: [Float]
}

/// The parsed model: input means, the similarity threshold and the 108 layer records.
package struct DlibModel {
    var means: (red: Float, green: Float, blue: Float)
    var distanceThreshold: Double
    var layers: [DlibLayer]
}

/// The file this port was written for (face-recognition-models 0.3.0, CC0).
public enum RecognizerModelFile: DlibModelFileFormat {
    public static let name = "dlib_face_recognition_resnet_model_v1.dat"
    public static let sha256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"

    /// Wrapper versions of the 130 chain entries, top (fc) to bottom (stem): 1 marks a tag or
    /// skip wrapper, 2 a layer; the last (stem) is 2 or 3.
    static let tagPositions: Set<Int> = {
        // Bottom-up: stem (4 layers), then units; record which chain entries are tags/skips.
        var chain: [Bool] = []  // true = tag/skip, bottom-up
        chain += [false, false, false, false]
        for (downsample, count) in [(false, 3), (true, 1), (false, 3), (true, 1), (false, 2), (true, 1), (false, 2), (true, 1)] {
            for _ in 0..<count {
                if downsample {
                    chain += [true, false, false, false, false, false, true, true, false, false, false]
                } else {
                    chain += [true, false, false, false, false, false, false, false]
                }
            }
        }
        chain += [false, false]
        precondition(chain.count == 130)
        return Set(chain.reversed().enumerated().filter { $0.element }.map(\.offset))
    }()

    package static func parse(_ bytes: [UInt8], path: String) throws(DlibModelError) -> DlibModel {
        var r = DlibReader(bytes: bytes, path: path)
        guard try r.signed() == 1 else { throw r.malformed("loss wrapper version must be 1") }
        let lossVersion = try r.string()
        var threshold = 0.75
        switch lossVersion {
        case "loss_metric_2":
            _ = try r.real()
            threshold = try r.real()
        case "loss_metric_": break
        default: throw r.malformed("expected a loss_metric record, found '\(lossVersion)'")
        }
        for position in 0..<130 {
            let version = try r.signed()
            let isTag = tagPositions.contains(position)
            let valid = isTag ? version == 1 : (position == 129 ? (version == 2 || version == 3) : version == 2)
            guard valid else { throw r.malformed("wrapper \(position) has version \(version); this is not the expected network") }
        }
        guard try r.string() == "input_rgb_image_sized" else { throw r.malformed("expected the input_rgb_image_sized record") }
        let means = (Float(try r.real()), Float(try r.real()), Float(try r.real()))
        guard try r.unsigned() == 150, try r.unsigned() == 150 else { throw r.malformed("the network input must be 150×150") }

        var layers: [DlibLayer] = []
        for index in 0..<108 {
            layers.append(try readLayer(&r))
            _ = try r.bool(); _ = try r.bool(); _ = try r.bool()
            for _ in 0..<3 { _ = try r.tensor() }
            if index == 0 { _ = try r.unsigned() }  // sample_expansion_factor of the bottom wrapper
        }
        guard r.atEnd else { throw r.malformed("\(bytes.count - r.offset) unexpected bytes after the last layer") }
        return DlibModel(means: means, distanceThreshold: threshold, layers: layers)
    }

    /// One layer record (shared by every dlib network file dnr reads).
    package static func readLayer(_ r: inout DlibReader) throws(DlibModelError) -> DlibLayer {
        let version = try r.string()
        switch version {
        case "con_4", "con_5", "con_6":
            let params = try r.tensor()
            let filters = try r.signed(), rows = try r.signed(), columns = try r.signed()
            let strideY = try r.signed(), strideX = try r.signed(), padY = try r.signed(), padX = try r.signed()
            let filterShape = try r.aliasTensor()
            _ = try r.aliasTensor()
            for _ in 0..<4 { _ = try r.real() }
            var useBias = true
            if version != "con_4" { useBias = try r.bool() }
            if version == "con_6", try r.bool() { throw r.malformed("convolutions with a fused ReLU are not supported") }
            guard rows == columns, strideX == strideY, padX == padY, filterShape[0] == filters else {
                throw r.malformed("unsupported convolution geometry")
            }
            let weightCount = filterShape.reduce(1, *)
            guard params.values.count == weightCount + (useBias ? filters : 0) else { throw r.malformed("convolution parameter count mismatch") }
            let bias = useBias ? Array(params.values[weightCount...]) : [Float](repeating: 0, count: filters)
            return .convolution(weight: Tensor4(shape: filterShape, values: Array(params.values[..<weightCount])), bias: bias,
                                stride: strideY, padding: padY)
        case "affine_", "affine_2":
            let params = try r.tensor()
            let gammaShape = try r.aliasTensor()
            _ = try r.aliasTensor()
            guard try r.signed() == 0 else { throw r.malformed("only per-channel (conv mode) affine layers are supported") }
            if version == "affine_2", try r.bool() { return .affine(gamma: .init(repeating: 1, count: gammaShape[1]), beta: .init(repeating: 0, count: gammaShape[1])) }
            let c = gammaShape[1]
            guard params.values.count == 2 * c else { throw r.malformed("affine parameter count mismatch") }
            return .affine(gamma: Array(params.values[..<c]), beta: Array(params.values[c...]))
        case "bn_con2":
            let params = try r.tensor()
            let gammaShape = try r.aliasTensor()
            _ = try r.aliasTensor()
            _ = try r.tensor(); _ = try r.tensor()
            let runningMeans = try r.tensor(), runningVariances = try r.tensor()
            _ = try r.unsigned(); _ = try r.unsigned()
            for _ in 0..<4 { _ = try r.real() }
            let eps = Float(try r.real())
            let c = gammaShape[1]
            guard params.values.count == 2 * c, runningMeans.values.count >= c, runningVariances.values.count >= c else {
                throw r.malformed("batch-norm parameter count mismatch")
            }
            var gamma = [Float](), beta = [Float]()
            for i in 0..<c {
                let g = params.values[i] / (runningVariances.values[i] + eps).squareRoot()
                gamma.append(g)
                beta.append(params.values[c + i] - g * runningMeans.values[i])
            }
            return .affine(gamma: gamma, beta: beta)
        case "relu_": return .relu
        case "relu_2":
            _ = try r.bool()
            return .relu
        case "max_pool_2", "avg_pool_2":
            let rows = try r.signed(), columns = try r.signed(), strideY = try r.signed(), strideX = try r.signed()
            let padY = try r.signed(), padX = try r.signed()
            guard rows == columns, strideX == strideY, padX == padY else { throw r.malformed("unsupported pooling geometry") }
            return version == "max_pool_2" ? .maxPool(size: rows, stride: strideY, padding: padY)
                                           : .averagePool(size: rows, stride: strideY, padding: padY)
        case "add_prev_": return .addPrevious
        case "fc_2", "fc_3":
            let outputs = try r.unsigned(), inputs = try r.unsigned()
            let params = try r.tensor()
            _ = try r.aliasTensor(); _ = try r.aliasTensor()
            guard try r.signed() == 1 else { throw r.malformed("only fully connected layers without bias are supported") }
            for _ in 0..<4 { _ = try r.real() }
            if version == "fc_3" { _ = try r.bool() }
            guard params.values.count >= inputs * outputs else { throw r.malformed("fc parameter count mismatch") }
            return .fullyConnected(weight: Array(params.values[..<(inputs * outputs)]), inputs: inputs, outputs: outputs)
        default:
            throw r.malformed("unknown layer record '\(version)'")
        }
    }
}

import Tensors
