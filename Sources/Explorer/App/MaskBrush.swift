import Imaging
import Tensors

/// The brush that paints the guidance mask: a disc at a pixel of the mask, painting (1) or
/// erasing (0). A value the UI owns; each stroke gives a new mask for the worker.
struct MaskBrush: Equatable, Sendable {
    enum Mode: String, Sendable { case paint, erase }

    var mode: Mode
    /// The centre, in mask pixels.
    var x: Int, y: Int
    /// The disc's radius in pixels (0: one pixel).
    var radius: Int
    static let radii = 0...16

    /// Moves by (dx, dy) pixels, kept on a mask of side `resolution`.
    func moved(dx: Int, dy: Int, resolution: Int) -> MaskBrush {
        var b = self
        b.x = min(max(x + dx, 0), resolution - 1)
        b.y = min(max(y + dy, 0), resolution - 1)
        return b
    }

    func resized(by change: Int) -> MaskBrush {
        var b = self
        b.radius = min(max(radius + change, Self.radii.lowerBound), Self.radii.upperBound)
        return b
    }

    /// Whether the disc covers pixel (px, py).
    func covers(_ px: Int, _ py: Int) -> Bool {
        let dx = px - x, dy = py - y
        return dx * dx + dy * dy <= radius * radius + radius  // + radius rounds the disc's edge outwards
    }

    /// `mask` ([1, 1, R, R]) with the disc painted or erased.
    func stamped(on mask: Tensor) -> Tensor {
        var out = mask
        let r = mask.shape[3], value: Float = mode == .paint ? 1 : 0
        for py in max(y - radius, 0)...min(y + radius, r - 1) {
            for px in max(x - radius, 0)...min(x + radius, r - 1) where covers(px, py) { out.scalars[py * r + px] = value }
        }
        return out
    }

    /// `mask` with the disc stamped at every pixel of the straight line from `start` to here (a fast
    /// drag or a long key move leaves no gaps).
    func stroked(from start: (x: Int, y: Int), on mask: Tensor) -> Tensor {
        let steps = max(abs(x - start.x), abs(y - start.y))
        var out = mask
        for i in 0...steps {
            var b = self
            b.x = steps == 0 ? x : start.x + (x - start.x) * i / steps
            b.y = steps == 0 ? y : start.y + (y - start.y) * i / steps
            out = b.stamped(on: out)
        }
        return out
    }

    /// The mask as the pane shows it while painting: white where guidance acts, the disc's rim in
    /// the theme-independent brush colour (orange to paint, cyan to erase).
    func overlay(on mask: Tensor) -> RGBImage {
        let r = mask.shape[3]
        var image = RGBImage(mask: mask)
        let colour: (Float, Float, Float) = mode == .paint ? (1, 0.55, 0) : (0, 0.8, 1)
        for py in max(y - radius - 1, 0)...min(y + radius + 1, r - 1) {
            for px in max(x - radius - 1, 0)...min(x + radius + 1, r - 1) where covers(px, py) {
                let rim = [(1, 0), (-1, 0), (0, 1), (0, -1)].contains { !covers(px + $0.0, py + $0.1) }
                guard rim else { continue }
                image.samples[py * r + px] = colour.0
                image.samples[r * r + py * r + px] = colour.1
                image.samples[2 * r * r + py * r + px] = colour.2
            }
        }
        return image
    }
}
