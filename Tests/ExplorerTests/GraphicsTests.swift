import Explorer
import Imaging
import Testing

@Suite struct CapabilityTests {
    @Test func deviceAttributesOfAVT340() {
        // xterm -ti vt340 answers DA1 with attribute 4 (sixel).
        let reply = Array("\u{1B}[?63;1;2;4;6;9;15;16;22;28c".utf8)
        let attributes = TerminalCapabilities.parseDeviceAttributes(reply)
        #expect(attributes == [63, 1, 2, 4, 6, 9, 15, 16, 22, 28])
        var caps = TerminalCapabilities()
        caps.deviceAttributes = attributes!
        caps.cellWidth = 10; caps.cellHeight = 20
        #expect(caps.bestGraphics(colors: 256) == .sixel)
    }

    @Test func withoutSixelTheBlocksOrASCIIAreChosen() {
        var caps = TerminalCapabilities()
        caps.deviceAttributes = TerminalCapabilities.parseDeviceAttributes(Array("\u{1B}[?62;22c".utf8))!
        #expect(caps.bestGraphics(colors: 256) == .blocks)
        #expect(caps.bestGraphics(colors: 8) == .ascii)
        // Sixel without a known cell size cannot be scaled to cells: fall back too.
        caps.deviceAttributes.insert(4)
        #expect(caps.bestGraphics(colors: 256) == .blocks)
    }

    @Test func malformedRepliesAreIgnored() {
        #expect(TerminalCapabilities.parseDeviceAttributes(Array("garbage".utf8)) == nil)
        #expect(TerminalCapabilities.parseDeviceAttributes(Array("\u{1B}[?62;x4c".utf8)) == nil)
        #expect(TerminalCapabilities.parseCellSize(Array("\u{1B}[6;20;10t".utf8))! == (10, 20))
        #expect(TerminalCapabilities.parseCellSize(Array("\u{1B}[4;600;800t".utf8)) == nil)
    }
}

@Suite struct RenderingTests {
    let red = RGBImage(width: 4, height: 4, fill: (1, 0, 0))

    @Test func cellFitIsWholeCellsAndSixelBands() {
        let fit = CellFit(squareIn: 20, 10, cellWidth: 9, cellHeight: 17)
        #expect(fit.columns == 18 && fit.rows == 10)  // 170 px square: 18 columns of 9, 10 rows of 17
        #expect(fit.pixelWidth == 162 && fit.pixelHeight == 168)  // 170 rounded down to 6-pixel bands
    }

    @Test func halfBlocksCarryTopAndBottomColours() {
        var image = RGBImage(width: 1, height: 2, fill: (0, 0, 0))
        image[0, 0, 0] = 1  // top red, bottom black
        let lines = TextImageRenderer.halfBlocks(image, columns: 1, rows: 1, trueColor: true)
        #expect(lines == ["\u{1B}[38;2;255;0;0;48;2;0;0;0m▀\u{1B}[0m"])
        #expect(TextImageRenderer.halfBlocks(red, columns: 2, rows: 1, trueColor: false)[0].contains("38;5;196"))
    }

    @Test func xtermPaletteMapping() {
        #expect(TextImageRenderer.xterm256((255, 0, 0)) == 196)
        #expect(TextImageRenderer.xterm256((0, 0, 0)) == 16)
        #expect(TextImageRenderer.xterm256((128, 128, 128)) == 244)
    }

    @Test func asciiRampFollowsLuminance() {
        let lines = TextImageRenderer.ascii(RGBImage.grid([[RGBImage(width: 2, height: 2, fill: (0, 0, 0)), RGBImage(width: 2, height: 2, fill: (1, 1, 1))]], spacing: 0),
                                            columns: 2, rows: 1)
        #expect(lines == [" @"])
    }

    @Test func sixelStreamIsWellFormed() throws {
        let bytes = try SixelEncoder.encode(red.resized(width: 12, height: 12, filter: .box))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}P") && text.hasSuffix("\u{1B}\\"))
        #expect(text.contains("\"1;1;12;12"))  // raster attributes: 12×12 pixels
    }
}
