/// The EXIF orientation of a JPEG (tag 0x0112): how a camera that stored its pixels sideways says to
/// turn them. Phones store portrait photos this way; viewers, and dnr, show them upright.
public enum ExifOrientation: Int, Sendable {
    case upright = 1, mirrored, upsideDown, upsideDownMirrored, transposed, rotatedClockwise, transverse, rotatedCounterClockwise

    /// The orientation in a JPEG's APP1 Exif segment; upright when there is none or it cannot be read.
    public static func of(jpeg bytes: [UInt8]) -> ExifOrientation {
        var i = 2  // after SOI
        while i + 4 <= bytes.count, bytes[i] == 0xFF {
            let marker = bytes[i + 1]
            if marker == 0xDA || marker == 0xD9 { break }  // image data: no metadata follows
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2, i + 2 + length <= bytes.count else { break }
            if marker == 0xE1, length >= 8, Array(bytes[(i + 4)..<(i + 10)]) == Array("Exif\0\0".utf8) {
                return orientation(tiff: Array(bytes[(i + 10)..<(i + 2 + length)])) ?? .upright
            }
            i += 2 + length
        }
        return .upright
    }

    /// Tag 0x0112 of IFD0 in a TIFF structure (either byte order).
    static func orientation(tiff t: [UInt8]) -> ExifOrientation? {
        guard t.count >= 8 else { return nil }
        let little: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? { o + 2 <= t.count ? (little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])) : nil }
        func u32(_ o: Int) -> Int? { guard let a = u16(o), let b = u16(o + 2) else { return nil }; return little ? a | b << 16 : a << 16 | b }
        guard let ifd = u32(4), let count = u16(ifd) else { return nil }
        for k in 0..<count {
            let entry = ifd + 2 + 12 * k
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112, let type = u16(entry + 2), type == 3, let value = u16(entry + 8) { return ExifOrientation(rawValue: value) }
        }
        return nil
    }

    /// `image` turned upright.
    public func applied(to image: RGBImage) -> RGBImage {
        if self == .upright { return image }
        let (w, h) = (image.width, image.height)
        let swaps = rawValue >= 5
        let (ow, oh) = swaps ? (h, w) : (w, h)
        var out = [Float](repeating: 0, count: 3 * ow * oh)
        for y in 0..<oh {
            for x in 0..<ow {
                // The stored pixel shown at (x, y).
                let (sx, sy): (Int, Int) = switch self {
                case .upright: (x, y)
                case .mirrored: (w - 1 - x, y)
                case .upsideDown: (w - 1 - x, h - 1 - y)
                case .upsideDownMirrored: (x, h - 1 - y)
                case .transposed: (y, x)
                case .rotatedClockwise: (y, h - 1 - x)
                case .transverse: (w - 1 - y, h - 1 - x)
                case .rotatedCounterClockwise: (w - 1 - y, x)
                }
                for c in 0..<3 { out[c * ow * oh + y * ow + x] = image.samples[c * w * h + sy * w + sx] }
            }
        }
        return RGBImage(width: ow, height: oh, samples: out)
    }
}
