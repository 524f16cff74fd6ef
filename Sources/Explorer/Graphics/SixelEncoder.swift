import CSixel
import Imaging

/// Encodes images as DEC sixel through libsixel (palette quantisation and the sixel stream).
public enum SixelEncoder {
    public enum Failure: Error, CustomStringConvertible {
        case libsixel(String)
        public var description: String { switch self { case .libsixel(let what): "libsixel: \(what) failed" } }
    }

    final class Sink { var bytes: [UInt8] = [] }

    /// The sixel bytes (DCS … ST) of `image`, which should already have its on-screen pixel size.
    /// The palette is chosen from `paletteSource` when given (an upscaled pane has no colours its
    /// source lacks, and choosing from the small image is much cheaper), else from `image`.
    public static func encode(_ image: RGBImage, colors: Int = 256, paletteSource: RGBImage? = nil) throws -> [UInt8] {
        let (w, h) = (image.width, image.height)
        var pixels = packed(image)
        let source = paletteSource ?? image
        var sourcePixels = paletteSource.map(packed) ?? pixels
        let sink = Unmanaged.passRetained(Sink())
        defer { sink.release() }
        var output: OpaquePointer? = nil
        guard sixel_output_new(&output, { data, size, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: UnsafeRawPointer(data!).assumingMemoryBound(to: UInt8.self), count: Int(size)))
            return Int32(size)
        }, sink.toOpaque(), nil) == SIXEL_OK else { throw Failure.libsixel("sixel_output_new") }
        defer { sixel_output_unref(output) }
        var dither: OpaquePointer? = nil
        guard sixel_dither_new(&dither, Int32(colors), nil) == SIXEL_OK else { throw Failure.libsixel("sixel_dither_new") }
        defer { sixel_dither_unref(dither) }
        guard sixel_dither_initialize(dither, &sourcePixels, Int32(source.width), Int32(source.height), SIXEL_PIXELFORMAT_RGB888, SIXEL_LARGE_AUTO,
                                      SIXEL_REP_AUTO, SIXEL_QUALITY_AUTO) == SIXEL_OK else { throw Failure.libsixel("sixel_dither_initialize") }
        guard sixel_encode(&pixels, Int32(w), Int32(h), 0, dither, output) == SIXEL_OK else { throw Failure.libsixel("sixel_encode") }
        return sink.takeUnretainedValue().bytes
    }

    /// Interleaved 8-bit RGB.
    static func packed(_ image: RGBImage) -> [UInt8] {
        let p = image.planeSize
        var pixels = [UInt8](repeating: 0, count: 3 * p)
        for i in 0..<p { for c in 0..<3 { pixels[3 * i + c] = UInt8((min(max(image.samples[c * p + i], 0), 1) * 255).rounded()) } }
        return pixels
    }
}
