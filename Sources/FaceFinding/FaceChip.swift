import Foundation

/// Where a face chip lies in the photo (dlib's `chip_details`): a rectangle of the photo, rotated
/// by `angle` about its centre, sampled at `size` × `size`.
public struct ChipPlacement: Equatable, Codable, Sendable {
    public var left: Double, top: Double, right: Double, bottom: Double
    public var angle: Double
    public var size: Int

    /// dlib's `get_face_chip_details` for a 5-point face: the similarity taking its template (the
    /// mean positions of the eye corners and the nose, padded by `padding` on each side) onto the
    /// landmarks. padding 0.25 is how the training faces were cut.
    public init(landmarks: [Landmark], size: Int, padding: Double = 0.25) {
        precondition(landmarks.count == 5, "a face chip needs the 5 landmarks")
        let template = [(0.8595674595992, 0.2134981538014), (0.6460604764104, 0.2289674387677), (0.1205750620789, 0.2137274526848),
                        (0.3340850613712, 0.2290642403242), (0.4901123135679, 0.6277975316475)]
        let from = template.map { ((padding + $0.0) / (2 * padding + 1) * Double(size), (padding + $0.1) / (2 * padding + 1) * Double(size)) }
        let to = landmarks.map { (Double($0.x), Double($0.y)) }
        let t = PointTransform.similarity(from: from, to: to)
        angle = atan2(t.m10, t.m00)
        let scale = (t.m00 * t.m00 + t.m10 * t.m10).squareRoot()
        let (cx, cy) = t.apply(Double(size) / 2, Double(size) / 2)
        let side = Double(size) * scale - 1
        (left, top, right, bottom) = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
        self.size = size
    }

    var rect: RealRect { RealRect(left: left, top: top, right: right, bottom: bottom) }

    /// The rectangle's corner (tl, tr, bl) rotated about its centre, as dlib places the chip.
    func rotatedCorners(of r: RealRect) -> [(Double, Double)] {
        let (cx, cy) = (r.centerX, r.centerY)
        let (s, c) = (sin(angle), cos(angle))
        return [(r.left, r.top), (r.right, r.top), (r.left, r.bottom)].map { x, y in
            let (dx, dy) = (x - cx, y - cy)
            return (c * dx - s * dy + cx, s * dx + c * dy + cy)
        }
    }

    /// The map from chip pixels to `r`'s rotated frame: (0,0), (size−1, 0), (0, size−1) onto its corners.
    func chipToFrame(_ r: RealRect) -> PointTransform {
        let corners = rotatedCorners(of: r)
        let (a, b, c) = (corners[0], corners[1], corners[2])
        let n = Double(size - 1)
        return PointTransform(m00: (b.0 - a.0) / n, m01: (c.0 - a.0) / n, m10: (b.1 - a.1) / n, m11: (c.1 - a.1) / n, tx: a.0, ty: a.1)
    }

    /// Chip pixel → photo pixel.
    public var chipToPhoto: PointTransform { chipToFrame(rect) }
}

enum FaceChipExtraction {
    /// dlib's `extract_image_chip` (bilinear): when the photo's rectangle is much larger than the
    /// chip, a `pyramid_down<2>` pyramid of the region around it is built first and the chip
    /// sampled from the level nearest its size, so a large face is not aliased. Pixels whose
    /// neighbourhood leaves the photo are black.
    static func extract(_ image: ByteImage, placement: ChipPlacement) -> ByteImage {
        let size = placement.size, area = Double(size * size)
        func realArea(_ r: RealRect) -> Double {
            (r.left > r.right || r.top > r.bottom) ? 0 : (r.right - r.left + 1) * (r.bottom - r.top + 1)
        }
        func down(_ r: RealRect) -> RealRect { r.mapped { PyramidDown2.pointDown($0, $1) } }
        var depth = 0, grow = 2.0
        var r = down(placement.rect)
        while realArea(r) > area {
            r = down(r)
            depth += 1
            grow = grow * 2 + 2
        }
        // The photo region the chip needs (its rotated box, grown), as integers.
        let corners = placement.rotatedCorners(of: placement.rect)
        let (cx, cy) = (placement.rect.centerX, placement.rect.centerY)
        let fourth = (2 * cx - corners[0].0, 2 * cy - corners[0].1)  // br is tl mirrored through the centre
        let xs = corners.map(\.0) + [fourth.0], ys = corners.map(\.1) + [fourth.1]
        let grown = RealRect(left: max(xs.min()! - grow, 0), top: max(ys.min()! - grow, 0),
                             right: min(xs.max()! + grow, Double(image.width - 1)), bottom: min(ys.max()! + grow, Double(image.height - 1)))
        let region = PixelRect(grown)
        var levels: [ByteImage] = []
        if depth > 0, !region.isEmpty {
            levels.append(PyramidDown2.down(crop(image, region)))
            for _ in 1..<depth { levels.append(PyramidDown2.down(levels.last!)) }
        }
        var level = -1
        var frame = RealRect(left: placement.left - Double(region.left), top: placement.top - Double(region.top),
                             right: placement.right - Double(region.left), bottom: placement.bottom - Double(region.top))
        while realArea(down(frame)) > area {
            level += 1
            frame = down(frame)
        }
        let source = level == -1 ? crop(image, region) : levels[level]
        let map = placement.chipToFrame(frame)
        var samples = [UInt8](repeating: 0, count: 3 * size * size)
        for y in 0..<size {
            for x in 0..<size {
                let (px, py) = map.apply(Double(x), Double(y))
                let left = Int(px.rounded(.down)), top = Int(py.rounded(.down))
                guard left >= 0, top >= 0, left + 1 < source.width, top + 1 < source.height else { continue }
                let (lr, tb) = (px - Double(left), py - Double(top))
                for c in 0..<3 {
                    let tl = Double(source[c, top, left]), tr = Double(source[c, top, left + 1])
                    let bl = Double(source[c, top + 1, left]), br = Double(source[c, top + 1, left + 1])
                    let v = (1 - tb) * ((1 - lr) * tl + lr * tr) + tb * ((1 - lr) * bl + lr * br)
                    samples[c * size * size + y * size + x] = UInt8(v)
                }
            }
        }
        return ByteImage(width: size, height: size, samples: samples)
    }

    static func crop(_ image: ByteImage, _ r: PixelRect) -> ByteImage {
        let (w, h) = (r.width, r.height)
        var samples = [UInt8](repeating: 0, count: 3 * w * h)
        for c in 0..<3 {
            for y in 0..<h {
                let from = c * image.planeSize + (r.top + y) * image.width + r.left
                samples.replaceSubrange((c * w * h + y * w)..<(c * w * h + y * w + w), with: image.samples[from..<(from + w)])
            }
        }
        return ByteImage(width: w, height: h, samples: samples)
    }
}
