import Testing
@testable import Explorer
import Tensors

/// The brush that paints the guidance mask, and the layout that tells the mouse where the mask pane is.
@Suite struct MaskPaintingTests {
    func ones(_ m: Tensor) -> Set<Int> { Set(m.scalars.indices.filter { m.scalars[$0] == 1 }) }

    @Test func aBrushStampsADiscAndErases() {
        let blank = Tensor(zeros: [1, 1, 16, 16])
        let brush = MaskBrush(mode: .paint, x: 5, y: 6, radius: 2)
        let painted = brush.stamped(on: blank)
        // Radius 2: the centre, the four pixels 2 away along the axes, not the corners of the 5×5 box.
        #expect(painted.scalars[6 * 16 + 5] == 1 && painted.scalars[6 * 16 + 7] == 1 && painted.scalars[4 * 16 + 5] == 1)
        #expect(painted.scalars[4 * 16 + 3] == 0 && painted.scalars[8 * 16 + 7] == 0)
        #expect(ones(painted).count == 21)  // a radius-2 disc with its rim rounded outwards
        var eraser = brush
        eraser.mode = .erase
        #expect(ones(eraser.stamped(on: painted)).isEmpty)
        // Radius 0 is one pixel; at the edge the disc is cut, not wrapped.
        #expect(ones(MaskBrush(mode: .paint, x: 0, y: 0, radius: 0).stamped(on: blank)) == [0])
        #expect(ones(MaskBrush(mode: .paint, x: 15, y: 15, radius: 1).stamped(on: blank)) == [15 * 16 + 15, 15 * 16 + 14, 14 * 16 + 15, 14 * 16 + 14])
    }

    @Test func aStrokeLeavesNoGapsAndMovesStayOnTheMask() {
        let blank = Tensor(zeros: [1, 1, 16, 16])
        let end = MaskBrush(mode: .paint, x: 12, y: 3, radius: 0)
        let line = end.stroked(from: (2, 3), on: blank)
        #expect(ones(line) == Set((2...12).map { 3 * 16 + $0 }))
        let moved = end.moved(dx: 10, dy: -10, resolution: 16)
        #expect(moved.x == 15 && moved.y == 0)
        #expect(end.resized(by: -5).radius == 0 && end.resized(by: 100).radius == MaskBrush.radii.upperBound)
    }

    @Test func theOverlayDrawsTheRimOverTheMask() {
        var mask = Tensor(zeros: [1, 1, 16, 16])
        mask.scalars[0] = 1
        let image = MaskBrush(mode: .paint, x: 8, y: 8, radius: 3).overlay(on: mask)
        #expect(image.samples[0] == 1 && image.samples[16 * 16] == 1)  // the mask stays white where painted
        #expect(image.samples[8 * 16 + 8] == 0)  // the disc's inside shows the mask (black here), not the rim
        #expect(image.samples[8 * 16 + 11] == 1 && image.samples[2 * 256 + 8 * 16 + 11] == 0)  // orange rim at the edge
    }

    /// In every window from 80×24 to 300×100, with and without the guidance panes and in compare
    /// mode, the panes lie inside the window, below the header, above the footer and apart.
    @Test(arguments: [(80, 24), (100, 30), (160, 50), (200, 60), (300, 100), (81, 70), (299, 25)])
    func panesFitAndDoNotOverlap(size: (Int, Int)) {
        let top: [ExplorerLayout.Pane] = [.degraded, .conditioned, .proxyMask, .mask, .truth]
        for rows in [1, 3] {
            for guidance in [false, true] {
                let layout = ExplorerLayout(columns: size.0, rows: size.1, top: top, samplerRows: rows, guidancePanes: guidance)
                let rects = Array(layout.panes.values)
                #expect(top.allSatisfy { layout.panes[$0] != nil }, "a top pane is missing at \(size)")
                #expect(!layout.samplerRows.isEmpty, "no sampler row at \(size)")
                for r in rects {
                    #expect(r.row >= 4 && r.row + r.rows <= size.1 - 2 && r.column >= 0 && r.column + r.columns <= size.0, "\(r) at \(size)")
                }
                for (i, a) in rects.enumerated() {
                    for b in rects[(i + 1)...] {
                        let apart = a.row + a.rows < b.row || b.row + b.rows < a.row || a.column + a.columns <= b.column || b.column + b.columns <= a.column
                        #expect(apart, "\(a) and \(b) overlap at \(size)")
                    }
                }
                // The numbers beside each row start right of its last pane.
                for (index, line) in layout.samplerRows.enumerated() {
                    let last = layout.panes[guidance ? .distance(index) : .current(index)]!
                    #expect(line.numbersColumn > last.column + last.columns)
                }
            }
        }
        #expect(!ExplorerLayout(columns: 79, rows: 40, top: top, samplerRows: 1, guidancePanes: false).fits)
    }

    /// The mouse maps a cell of the mask pane to the pixel under the cell's centre.
    @Test func aCellMapsToThePixelUnderIt() throws {
        let layout = ExplorerLayout(columns: 160, rows: 50, top: [.degraded, .conditioned, .proxyMask, .mask, .truth], samplerRows: 1, guidancePanes: false)
        let rect = try #require(layout.panes[.mask])
        #expect(rect.column == 3 * (layout.paneColumns + 1) && rect.row == 4)
        let drawn = (columns: rect.columns, rows: rect.rows)
        #expect(layout.pixel(of: .mask, row: rect.row, column: rect.column, resolution: 64, drawn: drawn)! == (1, 2))
        #expect(layout.pixel(of: .mask, row: rect.row + rect.rows - 1, column: rect.column + rect.columns - 1, resolution: 64, drawn: drawn)! == (62, 61))
        #expect(layout.pixel(of: .mask, row: rect.row - 1, column: rect.column, resolution: 64, drawn: drawn) == nil)
        #expect(layout.pixel(of: .mask, row: rect.row, column: rect.column + rect.columns, resolution: 64, drawn: drawn) == nil)
        // A sixel image smaller than its rectangle: cells beyond it are not on the image.
        #expect(layout.pixel(of: .mask, row: rect.row, column: rect.column + 20, resolution: 64, drawn: (20, 10)) == nil)
        #expect(layout.pixel(of: .mask, row: rect.row + 9, column: rect.column + 19, resolution: 64, drawn: (20, 10))! == (62, 60))
    }
}
