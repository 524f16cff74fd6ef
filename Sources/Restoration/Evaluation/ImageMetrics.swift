import Imaging

#if canImport(Glibc)
import Glibc
#endif

/// Full-reference image quality measures on [0, 1] RGB images.
public enum ImageMetrics {
    /// Peak signal-to-noise ratio in dB (peak 1).
    public static func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height, "PSNR of images of different sizes")
        var total = 0.0
        for i in a.samples.indices { let d = Double(a.samples[i] - b.samples[i]); total += d * d }
        let mse = total / Double(a.samples.count)
        return mse == 0 ? .infinity : 10 * log10(1 / mse)
    }

    /// SSIM (Wang et al. 2004) as scikit-image computes it with `gaussian_weights=True, sigma=1.5,
    /// use_sample_covariance=False, data_range=1`: Gaussian statistics over an 11×11 window
    /// (truncate 3.5, borders reflected), the map cropped by 5 pixels, averaged over the channels.
    public static func ssim(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height, "SSIM of images of different sizes")
        let (w, h) = (a.width, a.height)
        let sigma = 1.5, radius = Int(3.5 * sigma + 0.5)
        var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        func reflect(_ i: Int, _ n: Int) -> Int {  // scipy's 'reflect': d c b a | a b c d
            var i = i
            while i < 0 || i >= n { i = i < 0 ? -i - 1 : 2 * n - i - 1 }
            return i
        }
        func blur(_ x: [Double]) -> [Double] {
            var horizontal = [Double](repeating: 0, count: w * h), out = horizontal
            for y in 0..<h { for x0 in 0..<w {
                var s = 0.0
                for k in -radius...radius { s += kernel[k + radius] * x[y * w + reflect(x0 + k, w)] }
                horizontal[y * w + x0] = s
            } }
            for y in 0..<h { for x0 in 0..<w {
                var s = 0.0
                for k in -radius...radius { s += kernel[k + radius] * horizontal[reflect(y + k, h) * w + x0] }
                out[y * w + x0] = s
            } }
            return out
        }
        let (c1, c2) = (0.01 * 0.01, 0.03 * 0.03)
        var sum = 0.0
        for c in 0..<3 {
            let x = (0..<(w * h)).map { Double(a.samples[c * w * h + $0]) }
            let y = (0..<(w * h)).map { Double(b.samples[c * w * h + $0]) }
            let ux = blur(x), uy = blur(y)
            let uxx = blur(x.map { $0 * $0 }), uyy = blur(y.map { $0 * $0 }), uxy = blur(zip(x, y).map { $0 * $1 })
            var channel = 0.0, count = 0
            for row in radius..<(h - radius) { for col in radius..<(w - radius) {
                let i = row * w + col
                let vx = uxx[i] - ux[i] * ux[i], vy = uyy[i] - uy[i] * uy[i], vxy = uxy[i] - ux[i] * uy[i]
                channel += ((2 * ux[i] * uy[i] + c1) * (2 * vxy + c2)) / ((ux[i] * ux[i] + uy[i] * uy[i] + c1) * (vx + vy + c2))
                count += 1
            } }
            sum += channel / Double(count)
        }
        return sum / 3
    }

    /// Sharpness: the variance of the 4-neighbour Laplacian of the grey image (BT.601 luma, 0…255),
    /// over interior pixels — the measure the data manifest reports.
    public static func sharpness(_ image: RGBImage) -> Double {
        let (w, h, p) = (image.width, image.height, image.planeSize)
        let grey = (0..<p).map { 255 * (0.299 * Double(image.samples[$0]) + 0.587 * Double(image.samples[p + $0]) + 0.114 * Double(image.samples[2 * p + $0])) }
        var values: [Double] = []
        for y in 1..<(h - 1) { for x in 1..<(w - 1) {
            let i = y * w + x
            values.append(grey[i - 1] + grey[i + 1] + grey[i - w] + grey[i + w] - 4 * grey[i])
        } }
        let mean = values.reduce(0, +) / Double(values.count)
        return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    }
}
