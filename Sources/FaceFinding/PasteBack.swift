import Imaging

/// Puts restored chips back into the photo they were cut from.
///
/// What goes back is the restoration's change, not the chip itself: photo + w·(restored − input),
/// the difference between what the model produced and the chip it was given, warped into the photo
/// and faded out by a feathered weight w at the chip's border. So a face the model leaves alone comes
/// back bit for bit, detail of a large face finer than the model's resolution is kept, and resampling
/// (chip → photo) blurs only the change.
public enum PasteBack {
    /// The weight of a chip pixel in the blend: 1 over the middle of the chip, falling linearly to 0 at
    /// the circle the chip's sides touch, over `feather` of the side. Round, because the chip's corners
    /// hold background around the face (padding 0.25), and what the model made of them should not show
    /// as a square.
    static func weight(_ u: Double, _ v: Double, side: Double, feather: Double) -> Double {
        let centre = (side - 1) / 2
        let distance = ((u - centre) * (u - centre) + (v - centre) * (v - centre)).squareRoot()
        let outer = side / 2, inner = outer - max(feather * side, 1e-9)
        return min(1, max(0, (outer - distance) / (outer - inner)))
    }

    /// `photo` with the change from `input` to `restored` (square chips of one size, in [0, 1]) added
    /// where `placement` (the chip's place at any chip size) says. Pixels the chip does not reach are
    /// returned bit for bit; values are clamped to [0, 1].
    public static func paste(_ restored: RGBImage, input: RGBImage, placement: ChipPlacement, into photo: RGBImage,
                             feather: Double = 0.1) -> RGBImage {
        precondition(restored.width == restored.height && restored.width == input.width && restored.height == input.height,
                     "restored and input are chips of one size")
        var change = RGBImage(width: restored.width, height: restored.height,
                              samples: zip(restored.samples, input.samples).map { $0 - $1 })
        // Where the face is larger in the photo than the chip, bring the change to the photo's scale
        // first (bicubic), so the warp below interpolates over at most one photo pixel.
        let sideInPhoto = Int((placement.right - placement.left + 1).rounded())
        if sideInPhoto > change.width { change = change.resized(width: sideInPhoto, height: sideInPhoto, filter: .bicubic) }

        let toPhoto = placement.chipToPhoto
        let ratio = Double(placement.size - 1) / Double(max(change.width - 1, 1))
        let chipToPhoto = PointTransform(m00: toPhoto.m00 * ratio, m01: toPhoto.m01 * ratio, m10: toPhoto.m10 * ratio,
                                          m11: toPhoto.m11 * ratio, tx: toPhoto.tx, ty: toPhoto.ty)
        let toChip = chipToPhoto.inverse
        let side = Double(change.width), w = change.width
        // The photo pixels the chip covers: its corners' bounding box.
        let corners = [(-0.5, -0.5), (side - 0.5, -0.5), (-0.5, side - 0.5), (side - 0.5, side - 0.5)].map { chipToPhoto.apply($0.0, $0.1) }
        let x0 = max(0, Int(corners.map(\.0).min()!.rounded(.down))), x1 = min(photo.width - 1, Int(corners.map(\.0).max()!.rounded(.up)))
        let y0 = max(0, Int(corners.map(\.1).min()!.rounded(.down))), y1 = min(photo.height - 1, Int(corners.map(\.1).max()!.rounded(.up)))
        guard x0 <= x1, y0 <= y1, w >= 2 else { return photo }
        var out = photo
        let plane = photo.planeSize, chipPlane = change.planeSize
        for y in y0...y1 {
            for x in x0...x1 {
                let (u, v) = toChip.apply(Double(x), Double(y))
                let alpha = Float(weight(u, v, side: side, feather: feather))
                guard alpha > 0 else { continue }
                // Bilinear, clamped to the chip.
                let cu = min(max(u, 0), side - 1), cv = min(max(v, 0), side - 1)
                let left = min(Int(cu), w - 2), top = min(Int(cv), w - 2)
                let (fx, fy) = (Float(cu - Double(left)), Float(cv - Double(top)))
                for c in 0..<3 {
                    let s = change.samples, base = c * chipPlane + top * w + left
                    let delta = (1 - fy) * ((1 - fx) * s[base] + fx * s[base + 1]) + fy * ((1 - fx) * s[base + w] + fx * s[base + w + 1])
                    let i = c * plane + y * photo.width + x
                    if delta != 0 { out.samples[i] = min(max(photo.samples[i] + alpha * delta, 0), 1) }
                }
            }
        }
        return out
    }
}
