import CTurboJPEG

/// JPEG decoding and encoding through libjpeg-turbo's TurboJPEG API, which returns error codes
/// instead of jumping out of the caller.
public enum JPEGCodec {
    /// Chroma subsampling for encoding; 4:2:0 is what most encoders (and the paper's pipeline) use.
    public enum Subsampling: Sendable { case s444, s422, s420
        var code: Int32 {
            switch self {
            case .s444: Int32(TJSAMP_444.rawValue)
            case .s422: Int32(TJSAMP_422.rawValue)
            case .s420: Int32(TJSAMP_420.rawValue)
            }
        }
    }

    /// Decodes a baseline or progressive JPEG (colour or grey) to RGB. A truncated or damaged
    /// stream is an error, not a grey-filled image.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws(ImageError) -> RGBImage {
        guard let handle = tjInitDecompress() else { throw .unreadable(path: path, reason: "cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        let headerStatus = bytes.withUnsafeBufferPointer { buffer in
            tjDecompressHeader3(handle, buffer.baseAddress, UInt(buffer.count), &width, &height, &subsampling, &colourspace)
        }
        if headerStatus != 0 { throw .corrupt(path: path, format: "JPEG", reason: errorText(handle)) }
        if width <= 0 || height <= 0 { throw .emptyImage(path: path) }
        if width > ImageLimits.maxSide || height > ImageLimits.maxSide || Int(width) * Int(height) > ImageLimits.maxPixels {
            throw .tooLarge(path: path, width: Int(width), height: Int(height), limit: ImageLimits.brokenLimit(width: Int(width), height: Int(height)))
        }
        if colourspace == Int32(TJCS_CMYK.rawValue) || colourspace == Int32(TJCS_YCCK.rawValue) {
            throw .unsupportedColourModel(path: path, reason: "CMYK JPEGs are not supported; convert it to RGB first")
        }
        let plane = Int(width) * Int(height)
        var interleaved = [UInt8](repeating: 0, count: 3 * plane)
        let status = bytes.withUnsafeBufferPointer { buffer in
            interleaved.withUnsafeMutableBufferPointer { out in
                tjDecompress2(handle, buffer.baseAddress, UInt(buffer.count), out.baseAddress, width, 0, height,
                              Int32(TJPF_RGB.rawValue), TJFLAG_STOPONWARNING)
            }
        }
        if status != 0 { throw .corrupt(path: path, format: "JPEG", reason: errorText(handle)) }
        var samples = [Float](repeating: 0, count: 3 * plane)
        for i in 0..<plane { for c in 0..<3 { samples[c * plane + i] = Float(interleaved[3 * i + c]) / 255 } }
        return RGBImage(width: Int(width), height: Int(height), samples: samples)
    }

    /// Encodes at `quality` (1–100) with the given chroma subsampling, with libjpeg's accurate integer
    /// DCT (TurboJPEG otherwise picks its fast DCT when compressing, which neither libjpeg, Pillow nor
    /// OpenCV use by default and which moves some pixels by several grey levels).
    public static func encode(_ image: RGBImage, quality: Int, subsampling: Subsampling = .s420) throws(ImageError) -> [UInt8] {
        precondition((1...100).contains(quality), "JPEG quality must be in 1...100, got \(quality)")
        guard let handle = tjInitCompress() else { throw .writeFailed(path: "<memory>", reason: "cannot start the JPEG encoder") }
        defer { tjDestroy(handle) }
        let plane = image.planeSize
        var interleaved = [UInt8](repeating: 0, count: 3 * plane)
        for i in 0..<plane { for c in 0..<3 { interleaved[3 * i + c] = quantize(image.samples[c * plane + i], 255) } }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = interleaved.withUnsafeBufferPointer { source in
            tjCompress2(handle, source.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                        &output, &size, subsampling.code, Int32(quality), TJFLAG_ACCURATEDCT)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else { throw .writeFailed(path: "<memory>", reason: "JPEG encoding failed: \(errorText(handle))") }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    private static func errorText(_ handle: tjhandle) -> String {
        String(cString: tjGetErrorStr2(handle))
    }
}
