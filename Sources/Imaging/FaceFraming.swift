/// How faces are framed. Our models work on dlib face chips (5-point alignment, padding 0.25);
/// the field's real test faces are FFHQ-aligned squares, inside which dlib's chip sits as a nearly
/// fixed square box.
public enum FaceFraming {
    /// The chip box in a 512×512 FFHQ-aligned image: centre (258, 308), side 355, no rotation
    /// (measured on 20 faces; see Samples/PROVENANCE.md).
    public static let ffhq512ChipCentre = (x: 258.0, y: 308.0)
    public static let ffhq512ChipSide = 355.0

    /// The chip box in an FFHQ-aligned square image of side `size`, scaled from the 512 box.
    public static func ffhqChipBox(imageSide size: Int) -> CropBox {
        let scale = Double(size) / 512
        let half = ffhq512ChipSide * scale / 2
        let cx = ffhq512ChipCentre.x * scale, cy = ffhq512ChipCentre.y * scale
        return CropBox(x0: cx - half, y0: cy - half, x1: cx + half, y1: cy + half)
    }

    /// The dlib chip at `resolution`×`resolution` cut from a square FFHQ-aligned image.
    public static func chip(fromFFHQ image: RGBImage, resolution: Int) throws(FramingError) -> RGBImage {
        guard image.width == image.height else { throw .notSquare(width: image.width, height: image.height) }
        return image.resized(width: resolution, height: resolution, filter: .bicubic, box: ffhqChipBox(imageSide: image.width))
    }
}

public enum FramingError: Error, CustomStringConvertible, Equatable, Sendable {
    case notSquare(width: Int, height: Int)
    public var description: String {
        switch self {
        case .notSquare(let w, let h): "an FFHQ-aligned face must be square, this image is \(w)×\(h)"
        }
    }
}
