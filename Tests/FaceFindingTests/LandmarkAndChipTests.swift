import Foundation
import Imaging
import Testing
@testable import FaceFinding

/// Landmarks and chips against dlib's `shape_predictor` and `get_face_chip` on dlib's own boxes.
@Suite struct LandmarkAndChipTests {
    @Test func landmarksEqualDlibsOnEveryFace() {
        var faces = 0
        for (name, photo) in DlibReference.shared.photos.sorted(by: { $0.key < $1.key }) {
            let image = ByteImage(DlibReference.photo(name))
            for face in photo.faces {
                let ours = Models.predictor.landmarks(in: image, box: PixelRect(face.box))
                let theirs = face.landmarks.map { Landmark(x: $0[0], y: $0[1]) }
                #expect(ours == theirs, "\(name) \(face.box)")  // within 0.5 px: the same pixels
                faces += 1
            }
        }
        #expect(faces == 59)
    }

    /// Chips within one grey level of dlib's (in fact equal), small faces and large ones (cut from a
    /// pyramid_down<2> level).
    @Test func chipsMatchDlibsGetFaceChip() throws {
        var chips = 0
        for (name, photo) in DlibReference.shared.photos.sorted(by: { $0.key < $1.key }) {
            let image = DlibReference.photo(name)
            for face in photo.faces {
                guard let file = face.chip else { continue }
                let found = FoundFace(box: PixelRect(face.box), score: 1, landmarks: face.landmarks.map { Landmark(x: $0[0], y: $0[1]) })
                let ours = ByteImage(FaceFinder.chip(of: found, from: image, size: 128))
                let theirs = ByteImage(try ImageFile.read(DlibReference.folder + "/" + file))
                let worst = zip(ours.samples, theirs.samples).map { abs(Int($0) - Int($1)) }.max()!
                #expect(worst <= 1, "\(file): \(worst) grey levels apart")
                chips += 1
            }
        }
        #expect(chips == 26)
    }

    /// The similarity fit recovers a known rotation, scale and shift exactly.
    @Test func similarityRecoversAKnownTransform() {
        let (angle, scale) = (0.3, 1.7)
        let points = [(0.0, 0.0), (10.0, 2.0), (3.0, 8.0), (-4.0, 5.0), (6.0, -3.0)]
        let moved = points.map { p in (scale * (cos(angle) * p.0 - sin(angle) * p.1) + 4, scale * (sin(angle) * p.0 + cos(angle) * p.1) - 7) }
        let t = PointTransform.similarity(from: points, to: moved)
        #expect(abs(t.m00 - scale * cos(angle)) < 1e-12 && abs(t.m10 - scale * sin(angle)) < 1e-12)
        #expect(abs(t.tx - 4) < 1e-12 && abs(t.ty + 7) < 1e-12)
        let back = t.inverse.apply(t.apply(2, 3).0, t.apply(2, 3).1)
        #expect(abs(back.0 - 2) < 1e-12 && abs(back.1 - 3) < 1e-12)
    }
}
