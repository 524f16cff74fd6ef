#if canImport(Glibc)
import Glibc
#endif

extension RGBImage {
    /// Convolution with a sampled, normalised Gaussian of standard deviation `sigma` pixels, radius
    /// ⌈3σ⌉ (at least 1), borders mirrored without repeating the edge pixel (OpenCV's default).
    public func gaussianBlurred(sigma: Double) -> RGBImage {
        precondition(sigma > 0, "blur sigma must be positive, got \(sigma)")
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let columnIndex = (0..<width).map { x in (-radius...radius).map { mirror(x + $0, width) } }
        let rowIndex = (0..<height).map { y in (-radius...radius).map { mirror(y + $0, height) } }
        var pass = [Float](repeating: 0, count: samples.count)
        var out = [Float](repeating: 0, count: samples.count)
        for c in 0..<3 {
            let plane = c * planeSize
            for y in 0..<height {
                for x in 0..<width {
                    var sum: Float = 0
                    for k in 0..<kernel.count { sum += kernel[k] * samples[plane + y * width + columnIndex[x][k]] }
                    pass[plane + y * width + x] = sum
                }
            }
            for y in 0..<height {
                for x in 0..<width {
                    var sum: Float = 0
                    for k in 0..<kernel.count { sum += kernel[k] * pass[plane + rowIndex[y][k] * width + x] }
                    out[plane + y * width + x] = sum
                }
            }
        }
        return RGBImage(width: width, height: height, samples: out)
    }
}

/// Reflect-101 index into 0..<size, for any offset.
func mirror(_ index: Int, _ size: Int) -> Int {
    if size == 1 { return 0 }
    let period = 2 * (size - 1)
    var i = index % period
    if i < 0 { i += period }
    return i < size ? i : period - i
}
