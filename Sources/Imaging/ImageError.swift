/// Why an image could not be read or written; each case reads as one line naming the file.
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    case notFound(path: String)
    case unreadable(path: String, reason: String)
    case notAnImage(path: String)
    case corrupt(path: String, format: String, reason: String)
    case emptyImage(path: String)
    case tooLarge(path: String, width: Int, height: Int, limit: String)
    case tooSmall(path: String, side: Int)
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
        case .tooSmall(let path, let side): "\(path): the face is \(side) px across, smaller than the \(ImageLimits.minimumFaceSide) px dnr needs"
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
    /// The smallest face dnr takes: the smallest input the degradation model makes at R = 64 (×4
    /// down); below it there is too little of a face to restore or recognise.
    public static let minimumFaceSide = 16
    /// The limit that `width`×`height` breaks, in words (the side limit or the pixel-count limit).
    static func brokenLimit(width: Int, height: Int) -> String {
        max(width, height) > maxSide ? "\(maxSide) px per side" : "\(maxPixels / (1024 * 1024)) Mpx (\(maxPixels) pixels)"
    }
}
