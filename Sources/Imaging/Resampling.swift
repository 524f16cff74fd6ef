/// Separable resampling filters with the semantics of Pillow's `Image.resize` (the reference the
/// tests check against): output pixel centres map to `in0 + (i + 0.5)·scale`, and when shrinking
/// the kernel is stretched by the scale factor, which is the antialiasing.
public enum ResamplingFilter: String, Sendable, CaseIterable {
    /// Area average: exact means for integer factors (Pillow's BOX).
    case box
    /// Triangle kernel (Pillow's BILINEAR).
    case bilinear
    /// Keys cubic with a = −0.5 (Pillow's BICUBIC).
    case bicubic

    var support: Double {
        switch self {
        case .box: 0.5
        case .bilinear: 1
        case .bicubic: 2
        }
    }

    func weight(_ x: Double) -> Double {
        switch self {
        case .box:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let a = abs(x)
            return a < 1 ? 1 - a : 0
        case .bicubic:
            let a = -0.5, t = abs(x)
            if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
            return 0
        }
    }
}

/// A rectangle in source pixel coordinates (edges, not centres); fractional values are allowed.
public struct CropBox: Sendable, Equatable {
    public var x0: Double, y0: Double, x1: Double, y1: Double
    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
        self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1
    }
    public var width: Double { x1 - x0 }
    public var height: Double { y1 - y0 }
}

/// The per-output-pixel taps of one axis.
struct ResamplingTaps {
    let first: [Int]      // first source index of each output pixel
    let count: [Int]      // number of taps of each output pixel
    let weights: [Float]  // `stride` weights per output pixel, normalised to sum to 1
    let stride: Int

    init(inputSize: Int, from start: Double, to end: Double, outputSize: Int, filter: ResamplingFilter) {
        let scale = (end - start) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        stride = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outputSize)
        var count = [Int](repeating: 0, count: outputSize)
        var weights = [Float](repeating: 0, count: outputSize * stride)
        var taps = [Double](repeating: 0, count: stride)
        for i in 0..<outputSize {
            let centre = start + (Double(i) + 0.5) * scale
            let low = max(Int((centre - support + 0.5).rounded(.towardZero)), 0)
            let high = min(Int((centre + support + 0.5).rounded(.towardZero)), inputSize)
            let n = max(min(high - low, stride), 0)
            var total = 0.0
            for k in 0..<n {
                taps[k] = filter.weight((Double(k + low) - centre + 0.5) / filterScale)
                total += taps[k]
            }
            for k in 0..<n { weights[i * stride + k] = Float(total != 0 ? taps[k] / total : taps[k]) }
            first[i] = low
            count[i] = n
        }
        self.first = first
        self.count = count
        self.weights = weights
    }
}

extension RGBImage {
    /// This image (or the part of it inside `box`) resampled to `width`×`height`.
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResamplingFilter = .bicubic,
                        box: CropBox? = nil) -> RGBImage {
        precondition(outWidth > 0 && outHeight > 0, "cannot resize to \(outWidth)×\(outHeight)")
        let region = box ?? CropBox(x0: 0, y0: 0, x1: Double(width), y1: Double(height))
        precondition(region.width > 0 && region.height > 0, "empty crop box \(region)")
        let horizontal = ResamplingTaps(inputSize: width, from: region.x0, to: region.x1, outputSize: outWidth, filter: filter)
        let vertical = ResamplingTaps(inputSize: height, from: region.y0, to: region.y1, outputSize: outHeight, filter: filter)
        var out = [Float](repeating: 0, count: 3 * outWidth * outHeight)
        var rowBuffer = [Float](repeating: 0, count: outWidth * height)
        for c in 0..<3 {
            samples.withUnsafeBufferPointer { source in
                rowBuffer.withUnsafeMutableBufferPointer { rows in
                    let plane = source.baseAddress! + c * planeSize
                    for y in 0..<height {
                        let line = plane + y * width
                        for x in 0..<outWidth {
                            var sum: Float = 0
                            let base = horizontal.first[x], tapBase = x * horizontal.stride
                            for k in 0..<horizontal.count[x] { sum += line[base + k] * horizontal.weights[tapBase + k] }
                            rows[y * outWidth + x] = sum
                        }
                    }
                }
            }
            rowBuffer.withUnsafeBufferPointer { rows in
                out.withUnsafeMutableBufferPointer { target in
                    let plane = target.baseAddress! + c * outWidth * outHeight
                    for y in 0..<outHeight {
                        let base = vertical.first[y], tapBase = y * vertical.stride
                        for x in 0..<outWidth { plane[y * outWidth + x] = 0 }
                        for k in 0..<vertical.count[y] {
                            let w = vertical.weights[tapBase + k]
                            let row = rows.baseAddress! + (base + k) * outWidth
                            for x in 0..<outWidth { plane[y * outWidth + x] += w * row[x] }
                        }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, samples: out)
    }

    /// Square resize to `size`×`size`.
    public func resized(to size: Int, filter: ResamplingFilter = .bicubic) -> RGBImage {
        resized(width: size, height: size, filter: filter)
    }
}
