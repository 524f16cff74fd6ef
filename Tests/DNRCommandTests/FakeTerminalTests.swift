import Foundation
import Glibc
import Imaging
import PseudoTerminal
import TestSupport
import Testing

/// `dnr explore` on a pseudo-terminal played by the test: a fake terminal that answers the
/// device-attributes query (with or without sixel, attribute 4) and the cell-size query, and
/// records the bytes the program sends.
@Suite(.serialized) struct FakeTerminalTests {
    static let sixelStart = "\u{1B}P"  // DCS; libsixel then writes parameters and "q"
    static let sixelEnd = "\u{1B}\\"

    func explore(deviceAttributes: String, cellSizeReply: Bool, windowPixels: Bool = false, extra: [String] = []) throws -> PseudoTerminal {
        let weights = try tinyWeights()
        let terminal = try PseudoTerminal(
            executable: dnrExecutable(),
            arguments: ["explore", "--weights", weights, "--tprime", "30", "--steps", "6", "--delta", "0.05",
                        packageRoot + "/Samples/synthetic/astronaut_lq64.png", "--gt", packageRoot + "/Samples/astronaut_chip128.png"] + extra,
            columns: 160, rows: 50, cellWidth: windowPixels ? 9 : 0, cellHeight: windowPixels ? 18 : 0)
        var answeredAttributes = false, answeredCell = false
        // The queries come before ncurses starts; answer each once, as a terminal would.
        terminal.read(seconds: 30, respond: { output, tty in
            if !answeredAttributes && output.contains(bytes: "\u{1B}[c") {
                answeredAttributes = true
                tty.send(deviceAttributes)
            }
            if cellSizeReply && !answeredCell && output.contains(bytes: "\u{1B}[16t") {
                answeredCell = true
                tty.send("\u{1B}[6;20;10t")
            }
        }, until: { $0.contains(bytes: "step 0/6") })
        return terminal
    }

    @Test func aSixelTerminalGetsSixelImages() throws {
        let terminal = try explore(deviceAttributes: "\u{1B}[?63;1;2;4;6;9;15;22c", cellSizeReply: true)
        #expect(terminal.output.contains(bytes: "\u{1B}[16t"), "the cell size was not asked for")
        // The top row's five panes (x, g(x), M′, M, ground truth) arrive as complete sixel images.
        #expect(terminal.read(seconds: 20) { $0.occurrences(of: Self.sixelEnd) >= 5 })
        let output = terminal.output
        #expect(output.occurrences(of: Self.sixelStart) == output.occurrences(of: Self.sixelEnd))
        #expect(!output.contains(bytes: "▀"), "half-blocks drawn on a sixel terminal")
        // Every image is placed with the cursor saved before and restored after.
        #expect(output.occurrences(of: "\u{1B}7") >= 5 && output.occurrences(of: "\u{1B}8") >= 5)
        // One step adds ŷ0,t and y_t; the panes that did not change are not sent again.
        terminal.forgetOutput()
        terminal.send("n")
        #expect(terminal.read(seconds: 20) { $0.occurrences(of: Self.sixelEnd) >= 2 })
        terminal.read(seconds: 1) { _ in false }
        #expect(terminal.output.occurrences(of: Self.sixelEnd) == 2)
        // Closing the help overlay repaints the whole screen: all seven images again.
        terminal.send("?")
        terminal.read(seconds: 1) { _ in false }
        terminal.forgetOutput()
        terminal.send("?")
        #expect(terminal.read(seconds: 20) { $0.occurrences(of: Self.sixelEnd) >= 7 })
        terminal.send("q")
        #expect(terminal.waitForExit(seconds: 20) == 0)
    }

    /// 100 resizes in 2 s while playing, between 20×5 and 300×100: no crash, still answering keys, a
    /// clean quit.
    @Test func aResizeStormWhilePlaying() throws {
        let terminal = try explore(deviceAttributes: "\u{1B}[?63;1;2;6;22c", cellSizeReply: false)
        terminal.send(" ")
        var generator = SystemRandomNumberGenerator()
        for i in 0..<100 {
            let (columns, rows) = i % 10 == 0 ? (20, 5) : i % 10 == 5 ? (300, 100) : (Int.random(in: 20...300, using: &generator), Int.random(in: 5...100, using: &generator))
            terminal.resize(columns: columns, rows: rows)
            terminal.read(seconds: 0.02) { _ in false }
        }
        terminal.resize(columns: 160, rows: 50)
        terminal.read(seconds: 1) { _ in false }
        terminal.forgetOutput()
        terminal.send("?")  // ncurses sends only changed cells, so look for text new on the screen
        #expect(terminal.read(seconds: 20) { $0.contains(bytes: "guidance strength") }, "no answer to a key after the storm")
        terminal.send("?q")
        #expect(terminal.waitForExit(seconds: 20) == 0)
    }

    @Test func theWindowsPixelSizeIsUsedWithoutAsking() throws {
        let terminal = try explore(deviceAttributes: "\u{1B}[?62;4c", cellSizeReply: false, windowPixels: true)
        #expect(!terminal.output.contains(bytes: "\u{1B}[16t"))
        #expect(terminal.read(seconds: 20) { $0.occurrences(of: Self.sixelEnd) >= 5 })
        terminal.send("q")
        #expect(terminal.waitForExit(seconds: 20) == 0)
    }

    @Test func withoutSixelTheHalfBlocksAreDrawn() throws {
        let terminal = try explore(deviceAttributes: "\u{1B}[?62;22c", cellSizeReply: true)
        #expect(terminal.read(seconds: 20) { $0.contains(bytes: "▀") })
        #expect(!terminal.output.contains(bytes: Self.sixelStart))
        terminal.send("q")
        #expect(terminal.waitForExit(seconds: 20) == 0)
    }

    /// Paints the guidance mask with keys and with the mouse (xterm's SGR reports, as ncurses asks for
    /// them under TERM=xterm-256color) and saves it with `w`: the PNGs hold exactly the strokes.
    @Test func aMaskPaintedWithKeysAndTheMouseIsSaved() throws {
        let folder = try scratchFolder()
        let terminal = try explore(deviceAttributes: "\u{1B}[?62;22c", cellSizeReply: false, extra: ["--snapshots", folder])
        func savedMask(_ n: Int) throws -> [Float] {
            let path = folder + "/mask-\(n).png"
            let deadline = Date().addingTimeInterval(20)
            while FileManager.default.fileExists(atPath: path) == false && Date() < deadline { terminal.read(seconds: 0.2) { _ in false } }
            let image = try ImageFile.read(path)
            #expect(image.width == 32)  // the tiny models' resolution
            return Array(image.samples.prefix(32 * 32)).map { $0 > 0.5 ? 1 : 0 }
        }
        func white(_ mask: [Float]) -> Set<Int> { Set(mask.indices.filter { mask[$0] == 1 }) }
        // Brush on (at the centre, 16,16), clear, one step right painting (radius-3 discs at 16,16 and 17,16),
        // two moves down with the pen up (to 17,24), brush to one pixel, one step right painting, save.
        terminal.send("bz")
        terminal.send("l")
        terminal.send("JJ<<<l")
        terminal.send("w")
        let keys = white(try savedMask(1))
        func disc(_ cx: Int, _ cy: Int) -> Set<Int> {
            var pixels = Set<Int>()
            for y in (cy - 3)...(cy + 3) { for x in (cx - 3)...(cx + 3) where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= 12 { pixels.insert(y * 32 + x) } }
            return pixels
        }
        // The first move strokes from the centre to (17, 16); the last from (17, 24) to (18, 24); nothing between.
        #expect(keys == disc(16, 16).union(disc(17, 16)).union([24 * 32 + 17, 24 * 32 + 18]), "painted: \(keys.sorted())")
        // The mouse: at 160×50 with five top panes, the mask pane is 30×15 cells at row 4, column 93
        // (0-based); the cell (11, 108) is over pixel (16, 16). Clear, left press there, drag three
        // cells right (pixel 19), release; a right-button press at (11, 93) erases pixel (0, 16).
        // A terminal sends each event as the hand moves (ncurses keeps only the latest of a burst).
        terminal.send("z")
        for event in ["\u{1B}[<0;109;12M", "\u{1B}[<32;112;12M", "\u{1B}[<0;112;12m", "\u{1B}[<2;94;12M", "\u{1B}[<2;94;12m", "w"] {
            terminal.send(event)
            terminal.read(seconds: 0.15) { _ in false }
        }
        let mouse = white(try savedMask(2))
        #expect(mouse == Set((16...19).map { 16 * 32 + $0 }), "painted: \(mouse.sorted())")
        terminal.send("q")
        #expect(terminal.waitForExit(seconds: 20) == 0)
    }

    /// SIGKILL at random moments while snapshots are written (4 kills 0–120 ms after `p`, one after
    /// it finished): every snapshot folder is complete (all panes readable, the JSON decodes) or left
    /// as `.partial`.
    @Test func killedSnapshotsAreWholeOrPartial() throws {
        let folder = try scratchFolder()
        var generator = SystemRandomNumberGenerator()
        var complete = 0
        for kill in 0..<5 {
            let terminal = try explore(deviceAttributes: "\u{1B}[?62;22c", cellSizeReply: false, extra: ["--snapshots", folder])
            terminal.send("n")
            terminal.read(seconds: 0.5) { _ in false }
            terminal.send("p")
            if kill < 4 {
                terminal.read(seconds: Double(kill) * 0.03 + Double.random(in: 0...0.03, using: &generator)) { _ in false }
            } else {  // the last one after its snapshot is in place, so that one complete snapshot is checked too
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline, (try FileManager.default.contentsOfDirectory(atPath: folder)).allSatisfy({ $0.hasSuffix(".partial") }) {
                    terminal.read(seconds: 0.05) { _ in false }
                }
            }
            Glibc.kill(terminal.pid, SIGKILL)
            _ = terminal.waitForExit(seconds: 10)
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            if name.hasSuffix(".partial") { continue }
            let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/" + name)
            #expect(files.contains("snapshot.json") && files.contains("contact_sheet.png") && files.contains("x.png"), "\(name): \(files)")
            for file in files where file.hasSuffix(".png") { _ = try ImageFile.read(folder + "/" + name + "/" + file) }
            _ = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/" + name + "/snapshot.json")))
            complete += 1
        }
        #expect(complete >= 1, "no snapshot completed")
    }
}
