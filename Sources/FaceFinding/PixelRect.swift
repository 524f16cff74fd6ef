/// dlib's `rectangle`: integer, inclusive corners (a 1×1 rectangle has left == right).
public struct PixelRect: Equatable, Codable, Sendable, CustomStringConvertible {
    public var left: Int, top: Int, right: Int, bottom: Int

    public init(left: Int, top: Int, right: Int, bottom: Int) {
        (self.left, self.top, self.right, self.bottom) = (left, top, right, bottom)
    }

    /// A width × height rectangle at the origin.
    init(width: Int, height: Int) { self.init(left: 0, top: 0, right: width - 1, bottom: height - 1) }

    /// dlib's conversion from a real rectangle: each corner rounded half away from zero.
    init(_ r: RealRect) {
        self.init(left: Int(r.left.rounded()), top: Int(r.top.rounded()), right: Int(r.right.rounded()), bottom: Int(r.bottom.rounded()))
    }

    public var width: Int { isEmpty ? 0 : right - left + 1 }
    public var height: Int { isEmpty ? 0 : bottom - top + 1 }
    public var area: Int { width * height }
    public var isEmpty: Bool { left > right || top > bottom }
    public var description: String { "[(\(left), \(top)) (\(right), \(bottom))]" }

    func intersection(_ other: PixelRect) -> PixelRect {
        PixelRect(left: max(left, other.left), top: max(top, other.top), right: min(right, other.right), bottom: min(bottom, other.bottom))
    }

    /// The smallest rectangle holding both (dlib's `a + b`).
    func union(_ other: PixelRect) -> PixelRect {
        PixelRect(left: min(left, other.left), top: min(top, other.top), right: max(right, other.right), bottom: max(bottom, other.bottom))
    }

    func contains(x: Int, y: Int) -> Bool { left <= x && x <= right && top <= y && y <= bottom }

    func translated(x: Int, y: Int) -> PixelRect { PixelRect(left: left + x, top: top + y, right: right + x, bottom: bottom + y) }

    /// Intersection over the area of both boxes' bounding box, as dlib's `test_box_overlap` measures it.
    func overlap(_ other: PixelRect) -> Double {
        let inner = Double(intersection(other).area)
        return inner == 0 ? 0 : inner / Double(union(other).area)
    }

    /// Intersection over union, the usual measure (for comparing detections with a reference).
    public func intersectionOverUnion(_ other: PixelRect) -> Double {
        let inner = Double(intersection(other).area)
        return inner == 0 ? 0 : inner / Double(area + other.area - Int(inner))
    }
}

/// dlib's `drectangle`: real corners.
struct RealRect: Equatable {
    var left: Double, top: Double, right: Double, bottom: Double

    init(left: Double, top: Double, right: Double, bottom: Double) {
        (self.left, self.top, self.right, self.bottom) = (left, top, right, bottom)
    }

    init(_ r: PixelRect) { self.init(left: Double(r.left), top: Double(r.top), right: Double(r.right), bottom: Double(r.bottom)) }

    /// dlib's `centered_drect`: a width × height box (corner to corner width − 1) centred at (x, y).
    init(centerX x: Double, centerY y: Double, width: Double, height: Double) {
        let (w, h) = (width - 1, height - 1)
        self.init(left: x - w / 2, top: y - h / 2, right: x + w / 2, bottom: y + h / 2)
    }

    var centerX: Double { (left + right) / 2 }
    var centerY: Double { (top + bottom) / 2 }

    func mapped(_ transform: (Double, Double) -> (Double, Double)) -> RealRect {
        let (l, t) = transform(left, top), (r, b) = transform(right, bottom)
        return RealRect(left: l, top: t, right: r, bottom: b)
    }
}

/// dlib's `test_box_overlap`: two boxes overlap when their intersection exceeds `iouThreshold` of
/// their joint bounding box or `coveredThreshold` of either box.
struct BoxOverlap: Equatable {
    var iouThreshold: Double
    var coveredThreshold: Double

    func overlaps(_ a: PixelRect, _ b: PixelRect) -> Bool {
        let inner = Double(a.intersection(b).area)
        if inner == 0 { return false }
        return inner / Double(a.union(b).area) > iouThreshold
            || inner / Double(a.area) > coveredThreshold || inner / Double(b.area) > coveredThreshold
    }
}
