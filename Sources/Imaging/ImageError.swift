/// Why an image could not be read or written; each case reads as one line naming the file.
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    case notFound(path: String)
    case unreadable(path: String, reason: String)
    case notAnImage(path: String)
    case corrupt(path: String, format: String, reason: String)
    case emptyImage(path: String)
    case tooLarge(path: String, width: Int, height: Int, limit: String)
    case unsupportedOutputFormat(path: String)
    case unsupportedColourModel(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path): "\(path): no such file"
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .notAnImage(let path): "\(path): not a PNG or JPEG image"
        case .corrupt(let path, let format, let reason): "\(path): corrupt \(format): \(reason)"
        case .emptyImage(let path): "\(path): the image has no pixels (0 width or height)"
        case .tooLarge(let path, let width, let height, let limit): "\(path): image is \(width)×\(height), larger than the \(limit) limit"
        case .unsupportedOutputFormat(let path): "\(path): unknown output format (use .png, .jpg or .jpeg)"
        case .unsupportedColourModel(let path, let reason): "\(path): \(reason)"
        case .writeFailed(let path, let reason): "\(path): \(reason)"
        }
    }
}

/// The largest image the codecs will decode: a guard against absurd headers, checked before any
/// pixel memory is allocated.
public enum ImageLimits {
    public static let maxSide = 16_384
    public static let maxPixels = 64 * 1024 * 1024
    static var description: String { "\(maxSide) px per side, \(maxPixels / (1024 * 1024)) Mpx" }
}
