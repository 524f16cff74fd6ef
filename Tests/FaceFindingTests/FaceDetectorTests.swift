import Foundation
import Testing
@testable import FaceFinding

/// The detector against dlib's `cnn_face_detection_model_v1` on the same photos.
@Suite struct FaceDetectorTests {
    /// Every dlib box matched by one of ours with IoU ≥ 0.9 and a score within 1e-3, and no extra box.
    func expectMatches(_ name: String, upsample: Int) {
        let reference = DlibReference.shared.photos[name]!
        let theirs = upsample == 0 ? reference.upsample0 : reference.upsample1
        let ours = Models.detector.detect(in: DlibReference.photo(name), upsample: upsample)
        #expect(ours.count == theirs.count, "\(name) upsample \(upsample): \(ours.count) boxes, dlib \(theirs.count)")
        for detection in theirs {
            let box = PixelRect(detection.box)
            let best = ours.max { $0.box.intersectionOverUnion(box) < $1.box.intersectionOverUnion(box) }
            #expect(best.map { $0.box.intersectionOverUnion(box) } ?? 0 >= 0.9, "\(name): dlib's \(box) unmatched")
            if let best { #expect(abs(best.score - detection.score) < 1e-3, "\(name): score \(best.score) vs dlib \(detection.score)") }
        }
    }

    @Test(arguments: (0..<14).map { String(format: "group-%02d.png", $0) })
    func boxesMatchDlibWithoutUpsampling(_ name: String) { expectMatches(name, upsample: 0) }

    /// Upsampling (dlib's pyramid_up) finds the small faces; six photos keep the debug-build test short
    /// (all 14 match, `dnr faces`, measured).
    @Test(arguments: ["group-01.png", "group-04.png", "group-07.png", "group-08.png", "group-10.png", "group-13.png"])
    func boxesMatchDlibUpsampledOnce(_ name: String) { expectMatches(name, upsample: 1) }

    /// The photos hold 1–10 faces each, all of which dlib finds once the photo is doubled.
    @Test func referenceFindsEveryPlacedFace() {
        let counts = DlibReference.shared.photos.keys.sorted().map { DlibReference.shared.photos[$0]!.upsample1.count }
        #expect(counts == [1, 2, 3, 4, 5, 6, 7, 8, 10, 3, 2, 5, 1, 2])
    }

    @Test func pyramidLayoutKeepsLevelsApartAndInside() {
        let pyramid = TiledPyramid(imageHeight: 600, imageWidth: 800, padding: 10, outerPadding: 11)
        #expect(pyramid.levels[0] == PixelRect(left: 11, top: 11, right: 810, bottom: 610))
        #expect(pyramid.width == 822)
        for (i, a) in pyramid.levels.enumerated() {
            #expect(a.left >= 0 && a.top >= 0 && a.right < pyramid.width && a.bottom < pyramid.height)
            for b in pyramid.levels[(i + 1)...] { #expect(a.intersection(b).isEmpty) }
        }
        // Each level 5/6 of the one before (rounded down), to 5 rows.
        for (a, b) in zip(pyramid.levels, pyramid.levels.dropFirst()) {
            #expect(b.height == Int((5.0 / 6.0 * Double(a.height)).rounded(.down)))
        }
    }

    @Test func blankPhotoHasNoFaces() {
        let blank = DlibReference.photo("group-00.png")
        let grey = blank.samples.map { _ in Float(0.5) }
        #expect(Models.detector.detect(in: .init(width: blank.width, height: blank.height, samples: grey)).isEmpty)
    }

    @Test func tinyPhotosHaveNoFacesAndDoNotCrash() {
        for side in [1, 2, 7] {
            #expect(Models.detector.detect(in: .init(width: side, height: side, fill: (0.3, 0.4, 0.5)), upsample: 1).isEmpty)
        }
    }

    /// A large photo is doubled fewer times than asked, so the detector's input stays within 16 Mpx.
    @Test func largePhotosAreDoubledLess() {
        #expect(FaceFinder.effectiveUpsample(width: 1024, height: 768, requested: 1) == 1)
        #expect(FaceFinder.effectiveUpsample(width: 1024, height: 768, requested: 3) == 2)
        #expect(FaceFinder.effectiveUpsample(width: 4000, height: 3000, requested: 1) == 0)
        #expect(FaceFinder.effectiveUpsample(width: 640, height: 480, requested: 0) == 0)
    }

    /// A grey photo (as a grey PNG or JPEG decodes: R = G = B) still has its faces found (dlib finds
    /// the same two in this one).
    @Test func greyPhotoHasItsFacesFound() {
        let photo = DlibReference.photo("group-04.png")
        let plane = photo.planeSize
        var grey = photo
        for i in 0..<plane {
            let v = (photo.samples[i] + photo.samples[plane + i] + photo.samples[2 * plane + i]) / 3
            for c in 0..<3 { grey.samples[c * plane + i] = v }
        }
        let found = Models.detector.detect(in: grey, upsample: 0)
        let colour = DlibReference.shared.photos["group-04.png"]!.upsample0.map { PixelRect($0.box) }
        #expect(found.count == colour.count)
        for box in colour { #expect(found.contains { $0.box.intersectionOverUnion(box) > 0.8 }) }
    }
}
