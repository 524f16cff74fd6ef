/// dlib's tiled image pyramid (`input_rgb_image_pyramid<pyramid_down<6>>`): the image and its
/// downscaled copies (each 5/6 of the previous) packed into one large image, so that one pass of
/// the detector's network scans every scale.
struct TiledPyramid: Equatable {
    /// Where each level sits in the tiled image, level 0 (the input) first.
    let levels: [PixelRect]
    let height: Int
    let width: Int

    static let rate = 5.0 / 6.0

    /// dlib's `compute_tiled_image_pyramid_details`: a first column of levels down the left, the
    /// smaller ones stacked back up the right beside it.
    init(imageHeight: Int, imageWidth: Int, padding: Int, outerPadding: Int) {
        var rects = [PixelRect(width: imageWidth, height: imageHeight)]
        var (nr, nc) = (imageHeight, imageWidth)
        while true {
            nr = Int((Self.rate * Double(nr)).rounded(.down))
            nc = Int((Self.rate * Double(nc)).rounded(.down))
            if nr * nc == 0 || nr < 5 { break }
            rects.append(PixelRect(width: nc, height: nr))
        }
        let totalHeight = rects.reduce(0) { $0 + $1.height + padding } - 2 * padding
        var height = 0, previousWidth = 0
        for rect in rects {
            if rect.width <= rects[0].width - previousWidth - padding && (height - rects[0].height) * 2 >= totalHeight - rects[0].height {
                break
            }
            height += rect.height + padding
            previousWidth = rect.width
        }
        height -= padding
        let width = rects[0].width
        self.height = height + 2 * outerPadding
        self.width = width + 2 * outerPadding

        var y = outerPadding, i = 0
        while y < height + outerPadding && i < rects.count {
            rects[i] = rects[i].translated(x: outerPadding, y: y)
            y += rects[i].height + padding
            i += 1
        }
        y -= padding
        while i < rects.count {
            let (x1, y1) = (outerPadding + width - 1, y - 1)
            let (x2, y2) = (x1 - rects[i].right, y1 - rects[i].bottom)
            let rect = PixelRect(left: min(x1, x2), top: min(y1, y2), right: max(x1, x2), bottom: max(y1, y2))
            if !rects[0].intersection(rect).isEmpty { break }
            rects[i] = rect
            y -= rects[i].height + padding
            i += 1
        }
        levels = Array(rects[..<i])
    }

    /// The pyramid level nearest a tiled-image point (dlib's `nearest_rect`).
    func nearestLevel(x: Int, y: Int) -> Int {
        var best = 0, bestDistance = Double.infinity
        for (i, rect) in levels.enumerated() {
            if rect.contains(x: x, y: y) { return i }
            let nx = min(max(x, rect.left), rect.right), ny = min(max(y, rect.top), rect.bottom)
            let distance = Double((nx - x) * (nx - x) + (ny - y) * (ny - y)).squareRoot()
            if distance < bestDistance { (best, bestDistance) = (i, distance) }
        }
        return best
    }

    /// A box in the tiled image mapped back to the input image (dlib's `tiled_pyramid_to_image`):
    /// the level under its centre, then `pyramid_down<6>::point_up` once per level.
    func imageBox(_ box: RealRect) -> RealRect {
        // dlib converts the centre to an integer point by floor(v + 0.5).
        let level = nearestLevel(x: Int((box.centerX + 0.5).rounded(.down)), y: Int((box.centerY + 0.5).rounded(.down)))
        let origin = levels[level]
        return box.mapped { x, y in
            var (px, py) = (x - Double(origin.left), y - Double(origin.top))
            let ratio = 6.0 / 5.0  // dlib's N/(N − 1.0), then p·ratio + 0.3: the same roundings as dlib
            for _ in 0..<level { (px, py) = (px * ratio + 0.3, py * ratio + 0.3) }
            return (px, py)
        }
    }
}
