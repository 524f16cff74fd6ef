/// dlib's `pyramid_down<2>`: halving with a 5×5 binomial filter in integers, its coordinate maps,
/// and `pyramid_up` (the detector's way to find small faces).
enum PyramidDown2 {
    /// A point of the halved image in the original's coordinates, `levels` times.
    static func pointUp(_ x: Double, _ y: Double, levels: Int = 1) -> (Double, Double) {
        var (px, py) = (x, y)
        for _ in 0..<levels { (px, py) = ((px + 1.25) * 2, (py + 0.75) * 2) }
        return (px, py)
    }

    /// A point of the original image in the halved image's coordinates, `levels` times.
    static func pointDown(_ x: Double, _ y: Double, levels: Int = 1) -> (Double, Double) {
        var (px, py) = (x, y)
        for _ in 0..<levels { (px, py) = (px / 2 - 1.25, py / 2 - 0.75) }
        return (px, py)
    }

    /// dlib's `pyramid_up`: the image resized (bilinear, corners aligned, values truncated) to the
    /// size of its rectangle mapped up one level: (2h + 1) × (2w + 2).
    static func up(_ image: ByteImage) -> ByteImage {
        let up = PixelRect(RealRect(PixelRect(width: image.width, height: image.height)).mapped { pointUp($0, $1) })
        let (width, height) = (up.right + 1, up.bottom + 1)
        var samples = [UInt8](repeating: 0, count: 3 * width * height)
        for c in 0..<3 {
            let source = c * image.planeSize, target = c * width * height
            image.samples.withUnsafeBufferPointer { s in
                DlibResize.resize(sourceWidth: image.width, sourceHeight: image.height, targetWidth: width, targetHeight: height,
                                  sample: { r, col in Float(s[source + r * image.width + col]) },
                                  store: { v, r, col in samples[target + r * width + col] = UInt8(truncatingIfNeeded: Int(v)) })
            }
        }
        return ByteImage(width: width, height: height, samples: samples)
    }

    /// dlib's `pyramid_down<2>` on an RGB image: rows and columns filtered by 1 4 6 4 1 in integers,
    /// every other one kept, divided by 256 (truncating); ((h − 3)/2) × ((w − 3)/2).
    static func down(_ image: ByteImage) -> ByteImage {
        guard image.width > 8, image.height > 8 else { return ByteImage(width: 0, height: 0, samples: []) }
        let (w, h) = ((image.width - 3) / 2, (image.height - 3) / 2)
        var samples = [UInt8](repeating: 0, count: 3 * w * h)
        var rowFiltered = [Int](repeating: 0, count: image.height * w)
        let s = image.samples
        for c in 0..<3 {
            let plane = c * image.planeSize
            for r in 0..<image.height {
                let row = plane + r * image.width
                for col in 0..<w {
                    let o = row + 2 * col
                    rowFiltered[r * w + col] = Int(s[o]) + 4 * Int(s[o + 1]) + 6 * Int(s[o + 2]) + 4 * Int(s[o + 3]) + Int(s[o + 4])
                }
            }
            var out = 0
            var r = 2
            while r < image.height - 2 {
                for col in 0..<w {
                    let v = rowFiltered[(r - 2) * w + col] + 4 * rowFiltered[(r - 1) * w + col] + 6 * rowFiltered[r * w + col]
                        + 4 * rowFiltered[(r + 1) * w + col] + rowFiltered[(r + 2) * w + col]
                    samples[c * w * h + out * w + col] = UInt8(v / 256)
                }
                out += 1
                r += 2
            }
        }
        return ByteImage(width: w, height: h, samples: samples)
    }
}
