import Imaging
import Tensors

/// Pictures of signed and unsigned per-pixel quantities ([1, C, H, W] tensors, averaged over C).
enum HeatMap {
    /// Diverging: blue where the mean over channels is negative, red where positive, white at 0,
    /// full colour at the largest magnitude (returned, so the pane can state its scale).
    static func signed(_ t: Tensor) -> (image: RGBImage, largest: Float) {
        let plane = channelMean(t)
        let largest = plane.map(abs).max() ?? 0
        let scale = largest > 0 ? 1 / largest : 0
        var samples = [Float](repeating: 1, count: 3 * plane.count)
        for (i, v) in plane.enumerated() {
            let a = min(abs(v) * scale, 1)
            if v > 0 { samples[plane.count + i] = 1 - a; samples[2 * plane.count + i] = 1 - a }  // red: less green, blue
            else { samples[i] = 1 - a; samples[plane.count + i] = 1 - a }  // blue: less red, green
        }
        return (RGBImage(width: t.shape[3], height: t.shape[2], samples: samples), largest)
    }

    /// Grey levels of `gain` × the mean over channels, clamped to [0, 1].
    static func magnitude(_ t: Tensor, gain: Float) -> RGBImage {
        let plane = channelMean(t).map { min(max($0 * gain, 0), 1) }
        return RGBImage(width: t.shape[3], height: t.shape[2], samples: plane + plane + plane)
    }

    /// Grey levels of the mean over channels, white at its largest value (returned, so the pane can state its scale).
    static func magnitude(_ t: Tensor) -> (image: RGBImage, largest: Float) {
        let largest = channelMean(t).max() ?? 0
        return (magnitude(t, gain: largest > 0 ? 1 / largest : 0), largest)
    }

    static func channelMean(_ t: Tensor) -> [Float] {
        let (c, plane) = (t.shape[1], t.shape[2] * t.shape[3])
        return (0..<plane).map { i in (0..<c).reduce(Float(0)) { $0 + t.scalars[$1 * plane + i] } / Float(c) }
    }
}
