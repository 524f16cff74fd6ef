import Benchmarks
import Foundation
import Testing

/// `dnr explore` on a pseudo-terminal played by the test: a fake terminal that answers the
/// device-attributes query (with or without sixel, attribute 4) and the cell-size query, and
/// records the bytes the program sends.
@Suite(.serialized) struct FakeTerminalTests {
    static let sixelStart = "\u{1B}P"  // DCS; libsixel then writes parameters and "q"
    static let sixelEnd = "\u{1B}\\"

    func explore(deviceAttributes: String, cellSizeReply: Bool, windowPixels: Bool = false) throws -> PseudoTerminal {
        let weights = try tinyWeights()
        let terminal = try PseudoTerminal(
            executable: dnrExecutable(),
            arguments: ["explore", "--weights", weights, "--tprime", "30", "--steps", "6", "--delta", "0.05",
                        packageRoot + "/Samples/synthetic/astronaut_lq64.png", "--gt", packageRoot + "/Samples/astronaut_chip128.png"],
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
}
