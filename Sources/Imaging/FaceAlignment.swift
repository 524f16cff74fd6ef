/// How an input image is framed.
public enum FaceAlignment: String, CaseIterable, Sendable {
    /// Already a dlib chip (padding 0.25), any square size.
    case chip
    /// An FFHQ-aligned square face; the chip is cut by the fixed box.
    case ffhq512

    /// The smallest face dnr takes, in chip pixels.
    public static let minimumFaceSide = ImageLimits.minimumFaceSide

    /// The chip at `resolution` (or the image's own size when nil) from an image in this framing.
    public func chip(from image: RGBImage, path: String, resolution: Int? = nil) throws(FaceImageError) -> RGBImage {
        guard image.width == image.height else { throw .notSquare(path: path, width: image.width, height: image.height, alignment: self) }
        let faceSide = self == .chip ? image.width : Int(Double(image.width) * FaceFraming.ffhq512ChipSide / 512)
        guard faceSide >= Self.minimumFaceSide else { throw .tooSmall(path: path, faceSide: faceSide, alignment: self) }
        switch self {
        case .chip:
            guard let resolution, resolution != image.width else { return image }
            return image.resized(width: resolution, height: resolution, filter: resolution < image.width ? .box : .bicubic).clamped()
        case .ffhq512:
            let side = resolution ?? Int((Double(image.width) * FaceFraming.ffhq512ChipSide / 512).rounded())
            return image.resized(width: side, height: side, filter: .bicubic, box: FaceFraming.ffhqChipBox(imageSide: image.width)).clamped()
        }
    }
}

public enum FaceImageError: Error, CustomStringConvertible, Sendable {
    case notSquare(path: String, width: Int, height: Int, alignment: FaceAlignment)
    case tooSmall(path: String, faceSide: Int, alignment: FaceAlignment)
    public var description: String {
        switch self {
        case .notSquare(let path, let w, let h, .chip):
            "\(path): \(w)×\(h) is not a square face chip; crop the face to dlib's chip framing or pass --align ffhq512 for FFHQ-aligned faces"
        case .notSquare(let path, let w, let h, .ffhq512):
            "\(path): \(w)×\(h) is not square; an FFHQ-aligned face (--align ffhq512) is a square crop"
        case .tooSmall(let path, let side, let alignment):
            "\(path): the face is \(side)×\(side) px\(alignment == .ffhq512 ? " (the chip box of this FFHQ crop)" : ""), smaller than the \(FaceAlignment.minimumFaceSide) px dnr needs"
        }
    }
}
