import Tensors

/// Fixed facial regions of a face chip: boxes around the eyes, the nose and the mouth, where the
/// chip's 5-point alignment puts them on every face.
///
/// dlib cuts a chip so that the face's landmarks land on its mean-face template, shrunk by the
/// padding: a template point p ∈ [0, 1]² sits at (p + 0.25) / 1.5 of the chip's side. The boxes
/// below are the template's eyes with their brows (points 17–26, 36–47), nose (27–35) and mouth (48–67) extents mapped
/// that way, widened a little so that a face a few pixels off the template stays inside. The
/// mean of the training faces (Tests/RestorationTests/Fixtures/mean-train-face-64.png) has its
/// dark eye and mouth areas inside them; a test checks that.
public enum FacialRegions {
    public struct Box: Sendable {
        public let name: String
        /// Fractions of the chip's side: left, top, right, bottom.
        public let x0: Float, y0: Float, x1: Float, y1: Float
    }

    public static let boxes: [Box] = [
        Box(name: "left eye", x0: 0.21, y0: 0.20, x1: 0.43, y1: 0.38),
        Box(name: "right eye", x0: 0.56, y0: 0.20, x1: 0.78, y1: 0.38),
        Box(name: "nose", x0: 0.41, y0: 0.38, x1: 0.58, y1: 0.60),
        Box(name: "mouth", x0: 0.32, y0: 0.63, x1: 0.67, y1: 0.80),
    ]

    /// The regions as a {0, 1} mask [1, 1, R, R]: a pixel is in when its centre is inside a box.
    public static func mask(resolution r: Int) -> Tensor {
        var values = [Float](repeating: 0, count: r * r)
        for y in 0..<r {
            let v = (Float(y) + 0.5) / Float(r)
            for x in 0..<r {
                let u = (Float(x) + 0.5) / Float(r)
                if boxes.contains(where: { u >= $0.x0 && u < $0.x1 && v >= $0.y0 && v < $0.y1 }) { values[y * r + x] = 1 }
            }
        }
        return Tensor(shape: [1, 1, r, r], scalars: values)
    }
}
