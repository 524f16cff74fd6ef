import FaceID
import Imaging

/// A face found in a photo: the detector's box and score, dlib's five landmarks (the corners of
/// both eyes and the base of the nose), and where its chip lies.
public struct FoundFace: Equatable, Codable, Sendable {
    public var box: PixelRect
    public var score: Double
    public var landmarks: [Landmark]

    /// Where the chip of `size` px lies in the photo (dlib's framing, padding 0.25: the training faces').
    public func placement(size: Int) -> ChipPlacement { ChipPlacement(landmarks: landmarks, size: size) }

    /// The side, in photo pixels, of this face's chip (how large the face is, in the models' framing).
    public var chipSideInPhoto: Double {
        let p = placement(size: 100)
        return p.right - p.left + 1
    }
}

/// Finds the faces in a photo and cuts and pastes their chips, all as dlib does (see `FaceDetector`,
/// `LandmarkPredictor`, `ChipPlacement`).
public final class FaceFinder: Sendable {
    public let detector: FaceDetector
    public let predictor: LandmarkPredictor

    public init(detector: FaceDetector, predictor: LandmarkPredictor) {
        (self.detector, self.predictor) = (detector, predictor)
    }

    /// Both models from the project's `Models/` folder.
    public static func loadDefault() throws(DlibModelError) -> FaceFinder {
        FaceFinder(detector: try FaceDetector.loadDefault(), predictor: try LandmarkPredictor.loadDefault())
    }

    /// The most pixels a photo is doubled up to (each doubling quadruples the detector's memory and
    /// time; a photo this large has no faces too small to find without it).
    public static let upsampledPixelLimit = 16_000_000

    /// `requested` doublings, fewer when they would take the photo past `upsampledPixelLimit`.
    public static func effectiveUpsample(width: Int, height: Int, requested: Int) -> Int {
        var k = 0
        while k < requested && width * height << (2 * (k + 1)) <= upsampledPixelLimit { k += 1 }
        return k
    }

    /// Every face found, best score first. `upsample`: doublings before detection (each halves the
    /// smallest face found: about 80 px boxes at 0, 40 at 1, 20 at 2), fewer for a large photo
    /// (`effectiveUpsample`).
    public func find(in image: RGBImage, upsample: Int = 1) -> [FoundFace] {
        let photo = ByteImage(image)
        let upsample = Self.effectiveUpsample(width: image.width, height: image.height, requested: upsample)
        return detector.detect(in: photo, upsample: upsample, threshold: 0).map { detection in
            FoundFace(box: detection.box, score: detection.score, landmarks: predictor.landmarks(in: photo, box: detection.box))
        }
    }

    /// The face's chip, `size` × `size`, cut as dlib's `get_face_chip` cuts it (bilinear, from a
    /// `pyramid_down<2>` level when the face is large; black outside the photo).
    public static func chip(of face: FoundFace, from image: RGBImage, size: Int) -> RGBImage {
        chip(of: face, from: ByteImage(image), size: size)
    }

    public static func chip(of face: FoundFace, from photo: ByteImage, size: Int) -> RGBImage {
        FaceChipExtraction.extract(photo, placement: face.placement(size: size)).rgbImage
    }
}
