import CPNG

/// What a decoded PNG file was before conversion to RGB.
public struct PNGFileInfo: Sendable, Equatable {
    public let bitDepth: Int
    public let colourType: Int  // 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
    public let hasAlpha: Bool
}

/// PNG decoding and encoding through libpng (via the CPNG wrapper).
public enum PNGCodec {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes any PNG (every colour type and bit depth) to RGB. Grey is replicated to the three
    /// channels; alpha, from an alpha channel or a tRNS chunk, is composited over `background`.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>",
                              background: (Float, Float, Float) = ImageFile.defaultBackground) throws(ImageError) -> (RGBImage, PNGFileInfo) {
        var pixels: UnsafeMutablePointer<UInt16>? = nil
        var info = dnr_png_info()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { buffer in
            dnr_png_decode(buffer.baseAddress, buffer.count, UInt32(ImageLimits.maxSide), UInt64(ImageLimits.maxPixels),
                           &pixels, &info, &message, message.count)
        }
        guard status == 0, let pixels else {
            throw classify(cMessage(message), path: path, bytes: bytes)
        }
        defer { dnr_png_free(pixels) }
        let width = Int(info.width), height = Int(info.height), plane = width * height
        var samples = [Float](repeating: 0, count: 3 * plane)
        let background = [background.0, background.1, background.2]
        samples.withUnsafeMutableBufferPointer { out in
            for i in 0..<plane {
                let alpha = Float(pixels[4 * i + 3]) / 65535
                for c in 0..<3 {
                    let value = Float(pixels[4 * i + c]) / 65535
                    out[c * plane + i] = alpha == 1 ? value : value * alpha + background[c] * (1 - alpha)
                }
            }
        }
        let fileInfo = PNGFileInfo(bitDepth: Int(info.bit_depth), colourType: Int(info.color_type), hasAlpha: info.has_alpha != 0)
        return (RGBImage(width: width, height: height, samples: samples), fileInfo)
    }

    /// Encodes RGB at 8 or 16 bits per sample (samples are clamped to [0, 1] and rounded).
    public static func encode(_ image: RGBImage, bitDepth: Int = 8) throws(ImageError) -> [UInt8] {
        precondition(bitDepth == 8 || bitDepth == 16, "PNG bit depth must be 8 or 16")
        let plane = image.planeSize
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32
        if bitDepth == 8 {
            var interleaved = [UInt8](repeating: 0, count: 3 * plane)
            for i in 0..<plane { for c in 0..<3 { interleaved[3 * i + c] = quantize(image.samples[c * plane + i], 255) } }
            status = dnr_png_encode_rgb(interleaved, UInt32(image.width), UInt32(image.height), 8, &output, &size, &message, message.count)
        } else {
            var interleaved = [UInt16](repeating: 0, count: 3 * plane)
            for i in 0..<plane { for c in 0..<3 { interleaved[3 * i + c] = quantize(image.samples[c * plane + i], 65535) } }
            status = dnr_png_encode_rgb(interleaved, UInt32(image.width), UInt32(image.height), 16, &output, &size, &message, message.count)
        }
        guard status == 0, let output else {
            throw .writeFailed(path: "<memory>", reason: "PNG encoding failed: " + cMessage(message))
        }
        defer { dnr_png_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    private static func classify(_ message: String, path: String, bytes: [UInt8]) -> ImageError {
        if message.contains("too large") || message.contains("exceeds user limit") {
            let (width, height) = headerSize(bytes)
            return .tooLarge(path: path, width: width, height: height, limit: ImageLimits.brokenLimit(width: width, height: height))
        }
        if message.contains("width is zero") || message.contains("height is zero") {
            return .emptyImage(path: path)
        }
        return .corrupt(path: path, format: "PNG", reason: message)
    }

    /// The size the IHDR chunk claims (it is always the first chunk, at byte 16).
    private static func headerSize(_ bytes: [UInt8]) -> (Int, Int) {
        guard bytes.count >= 24 else { return (0, 0) }
        func word(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (word(16), word(20))
    }
}

@inline(__always) func quantize<T: FixedWidthInteger>(_ value: Float, _ levels: Float) -> T {
    T((min(max(value, 0), 1) * levels).rounded())
}

/// The text of a NUL-terminated C message buffer.
func cMessage(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
