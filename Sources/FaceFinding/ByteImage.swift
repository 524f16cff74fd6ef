import Imaging

/// An 8-bit RGB image, planar like `RGBImage`: what dlib's detector, landmark predictor and chip
/// extraction read, so that their integer arithmetic can be reproduced exactly. Convert a photo once
/// when several faces are read from it.
public struct ByteImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    var samples: [UInt8]  // R plane, G plane, B plane

    init(width: Int, height: Int, samples: [UInt8]) {
        precondition(samples.count == 3 * width * height)
        (self.width, self.height, self.samples) = (width, height, samples)
    }

    /// Samples in [0, 1] rounded to the nearest of 256 levels (an 8-bit file's own values come back exactly).
    public init(_ image: RGBImage) {
        self.init(width: image.width, height: image.height,
                  samples: image.samples.map { UInt8((min(max($0, 0), 1) * 255).rounded()) })
    }

    var planeSize: Int { width * height }

    subscript(channel: Int, y: Int, x: Int) -> UInt8 { samples[channel * planeSize + y * width + x] }

    var rgbImage: RGBImage { RGBImage(width: width, height: height, samples: samples.map { Float($0) / 255 }) }

    /// dlib's grey level of an RGB pixel: the integer mean of the three channels.
    func intensity(x: Int, y: Int) -> Int {
        let i = y * width + x
        return (Int(samples[i]) + Int(samples[planeSize + i]) + Int(samples[2 * planeSize + i])) / 3
    }
}
