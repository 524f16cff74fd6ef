import Imaging

/// An image scaled to fill whole character cells: `columns` × `rows` cells of the given pixel size.
public struct CellFit: Equatable, Sendable {
    public let columns: Int, rows: Int
    public let pixelWidth: Int, pixelHeight: Int

    /// The largest square image that fits in `columns` × `rows` cells of `cellWidth` × `cellHeight`
    /// pixels, rounded down to whole cells (sixel height also to whole 6-pixel bands).
    public init(squareIn columns: Int, _ rows: Int, cellWidth: Int, cellHeight: Int) {
        let side = max(min(columns * cellWidth, rows * cellHeight), 0)
        self.columns = side / cellWidth
        self.rows = side / cellHeight
        pixelWidth = self.columns * cellWidth
        let height = self.rows * cellHeight
        pixelHeight = height - height % 6
    }
}

/// Renders images as text: Unicode upper-half blocks (two pixels per cell, 24-bit or 256 colours)
/// or an ASCII luminance ramp. Lines have no trailing newline; the caller positions each.
public enum TextImageRenderer {
    /// One string per cell row: "▀" with the top pixel as foreground and the bottom as background.
    public static func halfBlocks(_ image: RGBImage, columns: Int, rows: Int, trueColor: Bool) -> [String] {
        let scaled = image.resized(width: columns, height: rows * 2, filter: .box).clamped()
        var lines: [String] = []
        for row in 0..<rows {
            var line = ""
            for column in 0..<columns {
                let top = rgb(scaled, column, 2 * row), bottom = rgb(scaled, column, 2 * row + 1)
                if trueColor {
                    line += "\u{1B}[38;2;\(top.0);\(top.1);\(top.2);48;2;\(bottom.0);\(bottom.1);\(bottom.2)m▀"
                } else {
                    line += "\u{1B}[38;5;\(xterm256(top));48;5;\(xterm256(bottom))m▀"
                }
            }
            lines.append(line + "\u{1B}[0m")
        }
        return lines
    }

    /// One string per cell row of characters from dark to light.
    public static func ascii(_ image: RGBImage, columns: Int, rows: Int) -> [String] {
        let ramp = Array(" .:-=+*#%@")
        let scaled = image.resized(width: columns, height: rows, filter: .box).clamped()
        return (0..<rows).map { row in
            String((0..<columns).map { column in
                let p = scaled.planeSize, i = row * columns + column
                let luma = 0.299 * scaled.samples[i] + 0.587 * scaled.samples[p + i] + 0.114 * scaled.samples[2 * p + i]
                return ramp[min(Int(luma * Float(ramp.count)), ramp.count - 1)]
            })
        }
    }

    static func rgb(_ image: RGBImage, _ x: Int, _ y: Int) -> (Int, Int, Int) {
        (Int((image[0, y, x] * 255).rounded()), Int((image[1, y, x] * 255).rounded()), Int((image[2, y, x] * 255).rounded()))
    }

    /// The nearest colour of xterm's 6×6×6 cube or its 24-step grey ramp.
    public static func xterm256(_ c: (Int, Int, Int)) -> Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func nearest(_ v: Int) -> Int { levels.indices.min { abs(levels[$0] - v) < abs(levels[$1] - v) }! }
        let (r, g, b) = (nearest(c.0), nearest(c.1), nearest(c.2))
        let cube = (levels[r], levels[g], levels[b])
        let grey = min(max(((c.0 + c.1 + c.2) / 3 - 8 + 5) / 10, 0), 23)
        let greyValue = 8 + 10 * grey
        func distance(_ a: (Int, Int, Int)) -> Int { (a.0 - c.0) * (a.0 - c.0) + (a.1 - c.1) * (a.1 - c.1) + (a.2 - c.2) * (a.2 - c.2) }
        return distance((greyValue, greyValue, greyValue)) < distance(cube) ? 232 + grey : 16 + 36 * r + 6 * g + b
    }
}
