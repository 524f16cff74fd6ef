import Imaging

/// How images reach the terminal: sixel, Unicode half-blocks or ASCII, at a cell size in pixels.
public struct ImageMode: Sendable, Equatable {
    public var graphics: TerminalCapabilities.Graphics
    public var cellWidth: Int, cellHeight: Int

    /// The cells an image placed in `columns` × `rows` cells covers: all of them as text, the largest
    /// square of whole cells as sixel.
    public func cells(columns: Int, rows: Int) -> (columns: Int, rows: Int) {
        guard graphics == .sixel else { return (columns, rows) }
        let fit = CellFit(squareIn: columns, rows, cellWidth: cellWidth, cellHeight: cellHeight)
        return (fit.columns, fit.rows)
    }
}

extension TerminalScreen {
    /// Draws `image` scaled into the cells (row, column, columns × rows), unless the same image was
    /// sent to the same place since the last full repaint: the screen keeps track of what it sent
    /// where, so callers just place every pane each frame. `crisp` scales without smoothing (masks).
    public func place(_ image: RGBImage, row: Int, column: Int, columns: Int, rows: Int, crisp: Bool = false, mode: ImageMode) {
        let place = "\(row),\(column),\(columns)x\(rows)", fingerprint = image.fingerprint
        guard sentImages[place] != fingerprint else { return }
        sentImages[place] = fingerprint
        switch mode.graphics {
        case .blocks: self.image(at: row, column: column, lines: TextImageRenderer.halfBlocks(image, columns: columns, rows: rows, trueColor: true))
        case .ascii: self.image(at: row, column: column, lines: TextImageRenderer.ascii(image, columns: columns, rows: rows))
        case .sixel:
            let fit = CellFit(squareIn: columns, rows, cellWidth: mode.cellWidth, cellHeight: mode.cellHeight)
            // Repaints (help closed, resize) send the same images again: keep their encodings.
            let key = "\(fingerprint) \(fit.pixelWidth)x\(fit.pixelHeight) \(crisp)"
            if let bytes = sixelCache[key] {
                sixel(at: row, column: column, bytes: bytes)
            } else if let bytes = try? SixelEncoder.encode(image.resized(width: fit.pixelWidth, height: fit.pixelHeight, filter: crisp ? .box : .bicubic).clamped(),
                                                            paletteSource: image) {
                if sixelCache.count >= 64 { sixelCache.removeAll() }
                sixelCache[key] = bytes
                sixel(at: row, column: column, bytes: bytes)
            }
        }
    }
}

extension RGBImage {
    /// A hash of the pixels (FNV-1a over their bit patterns), to tell whether a pane changed.
    var fingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        hash = (hash ^ UInt64(width)) &* 0x100_0000_01b3
        for value in samples { hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3 }
        return hash
    }
}
