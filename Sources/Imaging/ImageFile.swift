import FileIO

/// Reading and writing image files: the format is told by the file's bytes when reading and by
/// the extension when writing; writes are atomic (a temporary file renamed into place).
public enum ImageFile {
    /// Alpha is composited over white, as image viewers show transparency on a page.
    public static let defaultBackground: (Float, Float, Float) = (1, 1, 1)

    public enum Format: Sendable { case png, jpeg }

    public static func read(_ path: String, background: (Float, Float, Float) = defaultBackground) throws(ImageError) -> RGBImage {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(path)
        } catch {
            if pathKind(path) == .missing { throw .notFound(path: path) }
            throw .unreadable(path: path, reason: error.reason)
        }
        switch format(of: bytes) {
        case .png: return try PNGCodec.decode(bytes, path: path, background: background).0
        case .jpeg: return ExifOrientation.of(jpeg: bytes).applied(to: try JPEGCodec.decode(bytes, path: path))
        case nil:
            if bytes.isEmpty { throw .unreadable(path: path, reason: "the file is empty") }
            throw .notAnImage(path: path)
        }
    }

    /// The format the bytes hold, from their signature.
    public static func format(of bytes: [UInt8]) -> Format? {
        if bytes.starts(with: PNGCodec.signature) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// The format a path's extension asks for.
    public static func format(forPath path: String) -> Format? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "png": return .png
        case "jpg", "jpeg": return .jpeg
        default: return nil
        }
    }

    /// Writes `image` in the format of `path`'s extension (PNG at `pngBitDepth`, JPEG at `jpegQuality`).
    public static func write(_ image: RGBImage, to path: String, pngBitDepth: Int = 8, jpegQuality: Int = 95) throws(ImageError) {
        let bytes: [UInt8]
        switch format(forPath: path) {
        case .png: bytes = try PNGCodec.encode(image, bitDepth: pngBitDepth)
        case .jpeg: bytes = try JPEGCodec.encode(image, quality: jpegQuality)
        case nil: throw .unsupportedOutputFormat(path: path)
        }
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw .writeFailed(path: path, reason: error.reason)
        }
    }

    /// True for names the readers accept (by extension), used when listing folders.
    public static func isImageName(_ name: String) -> Bool { format(forPath: name) != nil }

    /// The image files named by command-line arguments: files as given, folders as their .png/.jpg
    /// files in name order. A missing path is an error.
    public static func paths(in arguments: [String]) throws -> [String] {
        var files: [String] = []
        for argument in arguments {
            switch pathKind(argument) {
            case .missing: throw ImageError.notFound(path: argument)
            case .folder: files += try Folder.list(argument, where: isImageName).map { argument + "/" + $0 }
            case .file: files.append(argument)
            }
        }
        return files
    }
}
