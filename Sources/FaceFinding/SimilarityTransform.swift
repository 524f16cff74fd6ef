/// A 2-D affine map p ↦ M·p + t (dlib's `point_transform_affine`).
public struct PointTransform: Equatable, Codable, Sendable {
    /// Row-major [[m00, m01], [m10, m11]].
    public var m00: Double, m01: Double, m10: Double, m11: Double
    public var tx: Double, ty: Double

    public func apply(_ x: Double, _ y: Double) -> (Double, Double) {
        (m00 * x + m01 * y + tx, m10 * x + m11 * y + ty)
    }

    public var inverse: PointTransform {
        let det = m00 * m11 - m01 * m10
        let (i00, i01, i10, i11) = (m11 / det, -m01 / det, -m10 / det, m00 / det)
        return PointTransform(m00: i00, m01: i01, m10: i10, m11: i11, tx: -(i00 * tx + i01 * ty), ty: -(i10 * tx + i11 * ty))
    }

    /// The least-squares similarity (rotation, uniform scale, translation; no reflection) taking
    /// `from` onto `to`, as dlib's `find_similarity_transform` (Umeyama 1991). In 2-D the SVD has
    /// a closed form: the rotation angle is atan2(c − b, a + d) of the cross-covariance [[a, b], [c, d]].
    public static func similarity(from: [(Double, Double)], to: [(Double, Double)]) -> PointTransform {
        precondition(from.count == to.count && !from.isEmpty)
        let n = Double(from.count)
        let meanFrom = (from.reduce(0) { $0 + $1.0 } / n, from.reduce(0) { $0 + $1.1 } / n)
        let meanTo = (to.reduce(0) { $0 + $1.0 } / n, to.reduce(0) { $0 + $1.1 } / n)
        var sigmaFrom = 0.0
        var (a, b, c, d) = (0.0, 0.0, 0.0, 0.0)
        for (p, q) in zip(from, to) {
            let (fx, fy) = (p.0 - meanFrom.0, p.1 - meanFrom.1)
            let (gx, gy) = (q.0 - meanTo.0, q.1 - meanTo.1)
            sigmaFrom += fx * fx + fy * fy
            a += gx * fx; b += gx * fy; c += gy * fx; d += gy * fy
        }
        sigmaFrom /= n
        (a, b, c, d) = (a / n, b / n, c / n, d / n)
        let norm = ((a + d) * (a + d) + (c - b) * (c - b)).squareRoot()
        let (cosine, sine) = norm > 0 ? ((a + d) / norm, (c - b) / norm) : (1.0, 0.0)
        let scale = sigmaFrom != 0 ? norm / sigmaFrom : 1
        let (m00, m01, m10, m11) = (scale * cosine, -scale * sine, scale * sine, scale * cosine)
        return PointTransform(m00: m00, m01: m01, m10: m10, m11: m11,
                               tx: meanTo.0 - (m00 * meanFrom.0 + m01 * meanFrom.1),
                               ty: meanTo.1 - (m10 * meanFrom.0 + m11 * meanFrom.1))
    }
}
