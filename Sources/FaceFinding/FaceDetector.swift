import FaceID
import FileIO
import Imaging
import Tensors

/// One face found by the detector: its box in the photo (dlib's inclusive pixel rectangle) and the
/// network's score (dlib's `confidence`; positive means a face).
public struct FaceDetection: Equatable, Codable, Sendable {
    public var box: PixelRect
    public var score: Double
}

/// dlib's CNN face detector (`cnn_face_detection_model_v1`, MMOD) on our engine: the photo as a tiled
/// pyramid of 5/6 scales, seven convolutions (the frozen affine layers folded in), one score per
/// position, an 80×80 window per positive score, mapped back through the pyramid, then dlib's
/// non-maximum suppression. Faces smaller than about 80 px need `upsample`.
public final class FaceDetector: Sendable {
    struct Convolution {
        let weight: Tensor, bias: Tensor, stride: Int, padding: Int
        var kernel: Int { weight.shape[3] }
    }

    let convolutions: [Convolution]  // bottom to top; a ReLU follows all but the last
    let means: (red: Float, green: Float, blue: Float)
    let pyramidPadding: Int, pyramidOuterPadding: Int
    let windowWidth: Int, windowHeight: Int
    let suppression: BoxOverlap

    /// Loads the original `.dat` file, verifying its sha256 first.
    public convenience init(modelPath: String) throws(DlibModelError) {
        self.init(model: try DetectorModelFile.load(modelPath))
    }

    /// The detector from the project's `Models/` folder.
    public static func loadDefault() throws(DlibModelError) -> FaceDetector {
        try FaceDetector(modelPath: DetectorModelFile.defaultPath())
    }

    init(model: DetectorModel) {
        var convolutions: [Convolution] = []
        var layers = model.layers[...]
        while let layer = layers.popFirst() {
            guard case .convolution(let w, var b, let stride, let padding) = layer else { continue }
            var weights = w.values
            // The affine layer after it (frozen batch normalisation) folds into it: γ(W∗x + b) + β.
            if case .affine(let gamma, let beta)? = layers.first {
                let perOutput = weights.count / w.shape[0]
                for o in 0..<w.shape[0] {
                    for i in (o * perOutput)..<((o + 1) * perOutput) { weights[i] *= gamma[o] }
                    b[o] = gamma[o] * b[o] + beta[o]
                }
                layers.removeFirst()
            }
            convolutions.append(Convolution(weight: Tensor(shape: w.shape, scalars: weights), bias: Tensor(shape: [b.count], scalars: b),
                                            stride: stride, padding: padding))
        }
        self.convolutions = convolutions
        means = model.means
        (pyramidPadding, pyramidOuterPadding) = (model.pyramidPadding, model.pyramidOuterPadding)
        (windowWidth, windowHeight) = (model.windowWidth, model.windowHeight)
        suppression = model.suppression
    }

    /// The faces in `image`, best first. `upsample`: how many times the photo is first doubled
    /// (dlib's `pyramid_up`) so that faces of about 80/2ⁿ px are found; `threshold`: the lowest
    /// score kept (dlib's `adjust_threshold`, 0 by default).
    public func detect(in image: RGBImage, upsample: Int = 0, threshold: Double = 0) -> [FaceDetection] {
        detect(in: ByteImage(image), upsample: upsample, threshold: threshold)
    }

    public func detect(in photo: ByteImage, upsample: Int = 0, threshold: Double = 0) -> [FaceDetection] {
        var image = photo
        for _ in 0..<upsample { image = PyramidDown2.up(image) }
        var detections = scan(image, threshold: threshold)
        for i in detections.indices {
            detections[i].box = PixelRect(RealRect(detections[i].box).mapped { x, y in PyramidDown2.pointDown(x, y, levels: upsample) })
        }
        return detections
    }

    /// The tiled pyramid of `image` as the network's input: (pixel − mean)/256 at level 0, each
    /// further level resized from the one before, zeros between them.
    func pyramidTensor(_ image: ByteImage) -> (Tensor, TiledPyramid) {
        let pyramid = TiledPyramid(imageHeight: image.height, imageWidth: image.width,
                                   padding: pyramidPadding, outerPadding: pyramidOuterPadding)
        let plane = pyramid.height * pyramid.width
        var data = [Float](repeating: 0, count: 3 * plane)
        let meanValues = [means.red, means.green, means.blue]
        data.withUnsafeMutableBufferPointer { d in
            parallelChunks(3, costPerItem: plane) { channels in
                for c in channels {
                    let base = d.baseAddress! + c * plane
                    let level0 = pyramid.levels[0]
                    for y in 0..<image.height {
                        let row = base + (level0.top + y) * pyramid.width + level0.left
                        for x in 0..<image.width { row[x] = (Float(image[c, y, x]) - meanValues[c]) / 256 }
                    }
                    for (source, target) in zip(pyramid.levels, pyramid.levels.dropFirst()) {
                        DlibResize.resize(sourceWidth: source.width, sourceHeight: source.height,
                                          targetWidth: target.width, targetHeight: target.height,
                                          sample: { r, col in base[(source.top + r) * pyramid.width + source.left + col] },
                                          store: { v, r, col in base[(target.top + r) * pyramid.width + target.left + col] = Float(v) })
                    }
                }
            }
        }
        return (Tensor(shape: [1, 3, pyramid.height, pyramid.width], scalars: data), pyramid)
    }

    /// The score map of the tiled pyramid.
    func scores(_ input: Tensor) -> Tensor {
        var x = input
        for (i, layer) in convolutions.enumerated() {
            x = Tensor.conv2d(x, weight: layer.weight, bias: layer.bias, stride: layer.stride, padding: layer.padding)
            if i < convolutions.count - 1 {
                x.scalars.withUnsafeMutableBufferPointer { s in
                    parallelChunks(s.count, costPerItem: 1) { range in for j in range where s[j] < 0 { s[j] = 0 } }
                }
            }
        }
        return x
    }

    /// dlib's `loss_mmod::to_label`: every position scoring above `threshold` becomes a window
    /// centred where that output position maps in the input, then boxes are kept best first unless
    /// they overlap one already kept.
    func scan(_ image: ByteImage, threshold: Double) -> [FaceDetection] {
        guard image.width > 0, image.height > 0 else { return [] }
        let (input, pyramid) = pyramidTensor(image)
        guard pyramid.levels.count > 0 else { return [] }
        let output = scores(input)
        let (rows, columns) = (output.shape[2], output.shape[3])
        var candidates: [FaceDetection] = []
        for r in 0..<rows {
            for c in 0..<columns {
                let score = Double(output.scalars[r * columns + c])
                guard score > threshold else { continue }
                // Output position → input position, top layer first: p·stride − padding + k/2.
                var (x, y) = (Double(c), Double(r))
                for layer in convolutions.reversed() {
                    x = x * Double(layer.stride) - Double(layer.padding) + Double(layer.kernel / 2)
                    y = y * Double(layer.stride) - Double(layer.padding) + Double(layer.kernel / 2)
                }
                let window = RealRect(centerX: x, centerY: y, width: Double(windowWidth), height: Double(windowHeight))
                candidates.append(FaceDetection(box: PixelRect(pyramid.imageBox(window)), score: score))
            }
        }
        candidates.sort { $0.score > $1.score }
        var kept: [FaceDetection] = []
        for candidate in candidates where !kept.contains(where: { suppression.overlaps($0.box, candidate.box) }) {
            kept.append(candidate)
        }
        return kept
    }
}
