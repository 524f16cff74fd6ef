import Tensors

/// An RGB image with float samples in [0, 1], stored channel-first (planar): the R plane, then G,
/// then B, each row-major. Planar storage is what the resamplers and the networks both want.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var samples: [Float]

    public init(width: Int, height: Int, samples: [Float]) {
        precondition(width > 0 && height > 0, "an image needs a positive size, got \(width)×\(height)")
        precondition(samples.count == 3 * width * height,
                      "\(width)×\(height) RGB needs \(3 * width * height) samples, got \(samples.count)")
        self.width = width
        self.height = height
        self.samples = samples
    }

    /// A constant-colour image.
    public init(width: Int, height: Int, fill: (Float, Float, Float)) {
        let plane = width * height
        var samples = [Float](repeating: fill.0, count: 3 * plane)
        for i in plane..<(2 * plane) { samples[i] = fill.1 }
        for i in (2 * plane)..<(3 * plane) { samples[i] = fill.2 }
        self.init(width: width, height: height, samples: samples)
    }

    public var planeSize: Int { width * height }

    public subscript(channel: Int, y: Int, x: Int) -> Float {
        get { samples[channel * planeSize + y * width + x] }
        set { samples[channel * planeSize + y * width + x] = newValue }
    }

    /// Every sample clamped to [0, 1].
    public func clamped() -> RGBImage {
        RGBImage(width: width, height: height, samples: samples.map { min(max($0, 0), 1) })
    }

    /// Samples quantised to `levels` steps (255 for 8-bit), as a file of that depth would hold them.
    public func quantized(levels: Float = 255) -> RGBImage {
        RGBImage(width: width, height: height, samples: samples.map { (min(max($0, 0), 1) * levels).rounded() / levels })
    }

    /// The rectangle `x..<x+width`, `y..<y+height`, which must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        precondition(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height,
                     "crop \(w)×\(h)+\(x)+\(y) is outside the \(width)×\(height) image")
        var out = [Float](repeating: 0, count: 3 * w * h)
        for c in 0..<3 {
            for row in 0..<h {
                let source = c * planeSize + (y + row) * width + x
                let target = c * w * h + row * w
                for i in 0..<w { out[target + i] = samples[source + i] }
            }
        }
        return RGBImage(width: w, height: h, samples: out)
    }

    /// The largest centred square.
    public func centreSquare() -> RGBImage {
        let side = min(width, height)
        return cropped(x: (width - side) / 2, y: (height - side) / 2, width: side, height: side)
    }
}

// MARK: - Network tensors

extension RGBImage {
    /// A [1, 3, H, W] tensor with samples mapped from [0, 1] to the networks' [−1, 1].
    public func tensor() -> Tensor {
        Tensor(shape: [1, 3, height, width], scalars: samples.map { $0 * 2 - 1 })
    }

    /// The image held in a [3, H, W] or [1, 3, H, W] tensor in [−1, 1]; values outside are kept
    /// (clamp or quantise before writing a file).
    public init(tensor: Tensor) {
        let dims = tensor.shape
        precondition(dims.count == 3 && dims[0] == 3 || dims.count == 4 && dims[0] == 1 && dims[1] == 3,
                     "expected a [3, H, W] or [1, 3, H, W] tensor, got \(dims)")
        self.init(width: dims[dims.count - 1], height: dims[dims.count - 2],
                  samples: tensor.scalars.map { ($0 + 1) / 2 })
    }
}

extension RGBImage {
    /// This image with `patch` copied over it, its top-left corner at (x, y); parts outside are cut.
    public func pasting(_ patch: RGBImage, x: Int, y: Int) -> RGBImage {
        var out = self
        for c in 0..<3 {
            for row in 0..<patch.height where y + row >= 0 && y + row < height {
                for column in 0..<patch.width where x + column >= 0 && x + column < width {
                    out[c, y + row, x + column] = patch[c, row, column]
                }
            }
        }
        return out
    }
}

extension RGBImage {
    /// Images of equal size laid out in rows, with a gap of `spacing` pixels of `background`.
    public static func grid(_ rows: [[RGBImage]], spacing: Int = 2, background: (Float, Float, Float) = (1, 1, 1)) -> RGBImage {
        precondition(!rows.isEmpty && !rows[0].isEmpty, "an empty grid")
        let (w, h) = (rows[0][0].width, rows[0][0].height)
        let columns = rows.map(\.count).max()!
        var canvas = RGBImage(width: columns * w + (columns + 1) * spacing, height: rows.count * h + (rows.count + 1) * spacing, fill: background)
        for (r, row) in rows.enumerated() {
            for (c, image) in row.enumerated() {
                canvas = canvas.pasting(image, x: spacing + c * (w + spacing), y: spacing + r * (h + spacing))
            }
        }
        return canvas
    }
}
