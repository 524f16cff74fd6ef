import FaceID
import FileIO
import Imaging

/// A landmark in photo pixels (dlib's `point`: rounded to the nearest pixel).
public struct Landmark: Equatable, Codable, Sendable {
    public var x: Int, y: Int
}

/// dlib's 5-point landmark predictor (`shape_predictor`): starting from the mean shape placed in the
/// face's box, each cascade reads grey levels at pixels anchored to the current landmarks (moved by
/// the similarity that takes the mean shape onto the current one) and adds the leaves its trees reach.
public final class LandmarkPredictor: Sendable {
    let model: LandmarkModel

    public convenience init(modelPath: String) throws(DlibModelError) {
        self.init(model: try LandmarkModelFile.load(modelPath))
    }

    init(model: LandmarkModel) { self.model = model }

    /// The predictor from the project's `Models/` folder.
    public static func loadDefault() throws(DlibModelError) -> LandmarkPredictor {
        try LandmarkPredictor(modelPath: LandmarkModelFile.defaultPath())
    }

    public var landmarkCount: Int { model.meanShape.count / 2 }

    public func landmarks(in image: RGBImage, box: PixelRect) -> [Landmark] {
        landmarks(in: ByteImage(image), box: box)
    }

    public func landmarks(in image: ByteImage, box: PixelRect) -> [Landmark] {
        let m = model
        let mean = m.meanShape
        var shape = mean
        // The box's unit square → photo pixels (dlib's unnormalizing_tform: corner to corner).
        let (bx, by) = (Double(box.left), Double(box.top))
        let (bw, bh) = (Double(box.right - box.left), Double(box.bottom - box.top))
        func toImage(_ x: Float, _ y: Float) -> (Int, Int) {
            let px = bx + bw * Double(x), py = by + bh * Double(y)
            return (Int((px + 0.5).rounded(.down)), Int((py + 0.5).rounded(.down)))
        }
        let points = mean.count / 2
        var values: [Float] = []
        for (cascade, trees) in m.cascades.enumerated() {
            let t = PointTransform.similarity(
                from: (0..<points).map { (Double(mean[2 * $0]), Double(mean[2 * $0 + 1])) },
                to: (0..<points).map { (Double(shape[2 * $0]), Double(shape[2 * $0 + 1])) })
            let (m00, m01, m10, m11) = (Float(t.m00), Float(t.m01), Float(t.m10), Float(t.m11))
            let anchors = m.anchors[cascade], deltas = m.deltas[cascade]
            values = [Float](repeating: 0, count: anchors.count)
            for i in 0..<anchors.count {
                let (dx, dy) = deltas[i]
                let x = (m00 * dx + m01 * dy) + shape[2 * anchors[i]]
                let y = (m10 * dx + m11 * dy) + shape[2 * anchors[i] + 1]
                let (px, py) = toImage(x, y)
                if px >= 0, py >= 0, px < image.width, py < image.height { values[i] = Float(image.intensity(x: px, y: py)) }
            }
            for tree in trees {
                let leaf = tree.leaf(for: values)
                for j in 0..<shape.count { shape[j] += leaf[j] }
            }
        }
        return (0..<points).map { i in
            let (x, y) = toImage(shape[2 * i], shape[2 * i + 1])
            return Landmark(x: x, y: y)
        }
    }
}

