import Explorer
import Imaging
import TestSupport
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

    @Test func thePaletteComesFromTheSourceImage() throws {
        var source = RGBImage(width: 4, height: 4, fill: (1, 0, 0))
        for y in 0..<4 { for x in 2..<4 { source[0, y, x] = 0; source[2, y, x] = 1 } }  // left red, right blue
        let large = source.resized(width: 24, height: 24, filter: .bicubic).clamped()
        // Colour definitions are "#index;2;r;g;b" in percent.
        func palette(_ bytes: [UInt8]) -> [[Int]] {
            String(decoding: bytes, as: UTF8.self).split(separator: "#").compactMap { part -> [Int]? in
                let fields = part.prefix { $0.isNumber || $0 == ";" }.split(separator: ";").compactMap { Int($0) }
                return fields.count == 5 && fields[1] == 2 ? Array(fields[2...]) : nil
            }
        }
        // The upscaled image has purple blends; a palette chosen from the source has only its red and blue.
        #expect(palette(try SixelEncoder.encode(large)).count > 2)
        let definitions = palette(try SixelEncoder.encode(large, paletteSource: source))
        #expect(definitions.count == 2)
        #expect(definitions.allSatisfy { ($0[0] > 90 && $0[1] == 0 && $0[2] == 0) || ($0[0] == 0 && $0[1] == 0 && $0[2] > 90) }, "\(definitions)")
    }
}

@Suite struct ThemeTests {
    @Test func shippedThemesSetEveryElement() throws {
        for name in ["dark", "light", "high-contrast"] {
            let theme = try Theme.load(name, folders: [packageRoot + "/Themes"])
            #expect(theme.name == name)
            #expect(Set(theme.styles.keys) == Set(Theme.Element.allCases), "\(name) leaves some elements out")
        }
        let dark = try Theme.load("dark", folders: [packageRoot + "/Themes"])
        #expect(dark.style(.footer) == Theme.Style(foreground: .index(0), background: .index(250)))
        #expect(dark.style(.title) == Theme.Style(foreground: .index(15), bold: true))
    }

    @Test func theFormatReadsColoursCommentsAndDefaults() throws {
        let theme = try Theme.parse("""
            # a comment
            name = mine
            title = default on bright-blue bold   # trailing comment

            numbers = 208
            """, path: "mine.theme")
        #expect(theme.name == "mine")
        #expect(theme.style(.title) == Theme.Style(foreground: .terminalDefault, background: .index(12), bold: true))
        #expect(theme.style(.numbers) == Theme.Style(foreground: .index(208)))
        #expect(theme.style(.footer) == Theme.Style())  // left out: the terminal's colours
    }

    @Test func mistakesNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("title = red\nlabel = purple", 2, "unknown colour \"purple\""),
            ("\n\nbanner = red", 3, "unknown element \"banner\""),
            ("title red", 1, "expected \"element = colour"),
            ("title = red\ntitle = blue", 2, "set twice"),
            ("title = red on", 1, "expected \"colour [on colour] [bold]\""),
            ("label = 256", 1, "unknown colour \"256\""),
            ("label =", 1, "has no colour"),
        ]
        for (text, line, message) in cases {
            do {
                _ = try Theme.parse(text, path: "bad.theme")
                Issue.record("accepted \(text)")
            } catch let error as ThemeError {
                guard case .invalid(let path, let l, let m) = error else { Issue.record("\(error)"); continue }
                #expect(path == "bad.theme" && l == line && m.contains(message), "\(error)")
                #expect(error.description.hasPrefix("bad.theme:\(line): "))
            } catch { Issue.record("\(error)") }
        }
    }

    @Test func coloursBeyondThePaletteBecomeTheNearest() {
        #expect(Theme.Color.index(250).cursesValue(available: 256) == 250)
        #expect(Theme.Color.index(250).cursesValue(available: 8) == 7)  // light grey → white
        #expect(Theme.Color.index(236).cursesValue(available: 8) == 0)  // dark grey → black
        #expect(Theme.Color.index(24).cursesValue(available: 16) == 6)  // (0, 95, 135): cyan is nearer than blue
        #expect(Theme.Color.index(160).cursesValue(available: 8) == 1)  // (215, 0, 0) → red
        #expect(Theme.Color.index(15).cursesValue(available: 8) == 7)   // bright white → white
        #expect(Theme.Color.terminalDefault.cursesValue(available: 8) == -1)
    }

    @Test func aMissingThemeSaysWhereItLooked() {
        #expect(throws: ThemeError.notFound(name: "nope", searched: ["/x/nope.theme"])) {
            try Theme.load("nope", folders: ["/x"])
        }
    }
}
