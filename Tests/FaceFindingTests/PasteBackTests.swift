import Imaging
import Testing
@testable import FaceFinding

@Suite struct PasteBackTests {
    let photo = DlibReference.photo("group-03.png")
    var face: FoundFace {
        let f = DlibReference.shared.photos["group-03.png"]!.faces[0]
        return FoundFace(box: PixelRect(f.box), score: 1, landmarks: f.landmarks.map { Landmark(x: $0[0], y: $0[1]) })
    }

    /// A chip restored by the identity pastes back as the photo itself, bit for bit.
    @Test func identityRestorationGivesThePhotoBack() {
        let chip = FaceFinder.chip(of: face, from: photo, size: 64)
        #expect(PasteBack.paste(chip, input: chip, placement: face.placement(size: 64), into: photo) == photo)
    }

    /// A change at one chip pixel lands where the chip transform puts that pixel in the photo; pixels
    /// the chip does not reach are unchanged.
    @Test func aChangeLandsWhereTheChipTransformSays() {
        let placement = face.placement(size: 64)
        let input = FaceFinder.chip(of: face, from: photo, size: 64)
        var restored = input
        let (u0, v0) = (20, 40)  // off-centre, so a flipped or transposed map would miss
        for c in 0..<3 { restored.samples[c * 64 * 64 + v0 * 64 + u0] += 0.5 }
        let pasted = PasteBack.paste(restored, input: input, placement: placement, into: photo)
        var best = (x: 0, y: 0, change: Float(0))
        let toChip = placement.chipToPhoto.inverse
        for y in 0..<photo.height {
            for x in 0..<photo.width {
                let change = abs(pasted[0, y, x] - photo[0, y, x])
                if change > best.change { best = (x, y, change) }
                let (u, v) = toChip.apply(Double(x), Double(y))
                if u < -1 || v < -1 || u > 64 || v > 64 { #expect(pasted[0, y, x] == photo[0, y, x]) }
            }
        }
        let (ex, ey) = placement.chipToPhoto.apply(Double(u0), Double(v0))
        #expect(abs(Double(best.x) - ex) <= 1.5 && abs(Double(best.y) - ey) <= 1.5, "change at (\(best.x), \(best.y)), expected near (\(ex), \(ey))")
        #expect(best.change > 0.05)
    }

    /// A uniform change shows fully in the middle, fades out towards the circle inside the chip, and
    /// leaves the chip's corners (background around the face) alone.
    @Test func featherBlendsFromChipToPhoto() {
        let placement = face.placement(size: 64)
        let input = RGBImage(width: 64, height: 64, fill: (0.2, 0.2, 0.2))
        let restored = RGBImage(width: 64, height: 64, fill: (0.3, 0.2, 0.2))
        let pasted = PasteBack.paste(restored, input: input, placement: placement, into: photo, feather: 0.1)
        let (cx, cy) = placement.chipToPhoto.apply(31.5, 31.5)
        #expect(abs(pasted[0, Int(cy), Int(cx)] - min(photo[0, Int(cy), Int(cx)] + 0.1, 1)) < 1e-6)
        #expect(pasted[1, Int(cy), Int(cx)] == photo[1, Int(cy), Int(cx)])
        let (kx, ky) = placement.chipToPhoto.apply(1, 1)  // a corner of the chip: outside the circle
        #expect(pasted[0, Int(ky.rounded()), Int(kx.rounded())] == photo[0, Int(ky.rounded()), Int(kx.rounded())])
        #expect(PasteBack.weight(31.5, 31.5, side: 64, feather: 0.1) == 1)
        #expect(abs(PasteBack.weight(31.5, 2, side: 64, feather: 0.1) - 2.5 / 6.4) < 1e-9)  // 29.5 from the centre: 2.5 of the 6.4-px ramp
        #expect(PasteBack.weight(0, 0, side: 64, feather: 0.1) == 0)
        #expect(PasteBack.weight(31.5, -0.5, side: 64, feather: 0.1) == 0)
        #expect(pasted[0, 0, 0] == photo[0, 0, 0])
    }
}
