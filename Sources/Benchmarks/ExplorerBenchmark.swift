import Explorer
import FileIO
import Foundation
import Imaging
import PseudoTerminal
import Tensors

/// The explorer's costs: encoding and writing every pane as sixel per frame, and key-to-redraw
/// latency while the sampler is stepping (measured by the explorer itself on a pseudo-terminal).
public enum ExplorerBenchmark {
    /// Encodes one frame's panes (`panes` images of `side`² pixels, from a 64×64 face) as sixel.
    public static func sixelFrame(face: RGBImage, panes: Int, side: Int, runs: Int) throws -> (seconds: TimingResult, bytes: Int) {
        var bytes = 0
        var failure: Error?
        let timing = measure(warmup: 1, runs: runs) {
            bytes = 0
            for _ in 0..<panes {
                do { bytes += try SixelEncoder.encode(face.resized(width: side, height: side, filter: .bicubic).clamped(), paletteSource: face).count } catch { failure = error }
            }
        }
        if let failure { throw failure }
        return (timing, bytes)
    }

    public static func run(executable: String, weights: String?, samples: String, log: (String) -> Void) throws {
        let face = try ImageFile.read(samples + "/synthetic/astronaut_lq64.png")
        // The layouts of a 160×50 terminal with 10×20-pixel cells: one row (7 panes of 12 cell rows,
        // 240 px) and compare mode (11 panes of 9 cell rows, 180 px).
        for (label, panes, side) in [("one row", 7, 240), ("compare", 11, 180)] {
            let (t, bytes) = try sixelFrame(face: face, panes: panes, side: side, runs: 10)
            log(String(format: "sixel frame, %@ (%d panes of %d×%d px): %.1f ms to resize and encode, %d KiB to write",
                       label, panes, side, side, t.median * 1000, bytes / 1024))
        }

        let trace = NSTemporaryDirectory() + "dnr-latency-\(getpid()).txt"
        defer { unlink(trace) }
        var arguments = ["explore", "--graphics", "sixel", "--steps", "100", samples + "/synthetic/astronaut_lq64.png",
                         "--gt", samples + "/astronaut_chip128.png"]
        if let weights { arguments += ["--weights", weights] }
        let terminal = try PseudoTerminal(executable: executable, arguments: arguments, environment: ["DNR_EXPLORER_LATENCY_LOG": trace],
                                          cellWidth: 10, cellHeight: 20)
        guard terminal.read(seconds: 120, until: { $0.contains(bytes: "step 0/") }) else {
            throw PseudoTerminal.Failure.system("the explorer did not start: \(String(decoding: terminal.output.suffix(500), as: UTF8.self))")
        }
        terminal.send(" ")  // play: the worker is busy with steps from here on
        terminal.read(seconds: 2) { _ in false }
        for key in ["D", "d", "?", "?", "s", "S", "D", "d", "?", "?", "D", "d", "b", "l", "l", "j", "b", "b"] {
            terminal.send(key)
            terminal.read(seconds: 0.7) { _ in false }
        }
        terminal.send("q")
        guard terminal.waitForExit(seconds: 60) == 0 else { throw PseudoTerminal.Failure.system("the explorer did not quit cleanly") }
        let lines = (try? String(contentsOfFile: trace, encoding: .utf8))?.split(separator: "\n") ?? []
        var byKind: [String: [Double]] = [:]
        var helpShown = false
        for line in lines {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 3, let ms = Double(parts[2]) else { continue }
            let what: String
            switch parts[0] {
            case "?":
                if parts[1] == "ack" { helpShown.toggle() }
                what = helpShown ? "help opened (UI thread only)" : "help closed (UI thread repaints every pane)"
            case " ": what = "play (worker)"
            case "b", "l", "j": what = "brush (paints the mask pane; the worker takes the mask)"
            default: what = "knob change"
            }
            let kind = parts[1] == "ack" ? "\(what): acknowledged on screen" : "\(what): images updated (after the step in flight)"
            byKind[kind, default: []].append(ms)
        }
        for (kind, values) in byKind.sorted(by: { $0.key < $1.key }) {
            let sorted = values.sorted()
            let p95 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
            log(String(format: "key latency while stepping, %@: median %.0f ms, p95 %.0f ms, max %.0f ms (%d keys)", kind, sorted[sorted.count / 2], p95, sorted.last!, sorted.count))
        }
        try quitWhileRunning(executable: executable, weights: weights, samples: samples, log: log)
    }

    /// Quit during `e` (run to the end, every step from T′): milliseconds from `q` to the process's exit.
    static func quitWhileRunning(executable: String, weights: String?, samples: String, log: (String) -> Void) throws {
        var arguments = ["explore", "--graphics", "sixel", "--steps", "all", samples + "/synthetic/astronaut_lq64.png"]
        if let weights { arguments += ["--weights", weights] }
        var times: [Double] = []
        for _ in 0..<3 {
            let terminal = try PseudoTerminal(executable: executable, arguments: arguments, cellWidth: 10, cellHeight: 20)
            guard terminal.read(seconds: 120, until: { $0.contains(bytes: "step 0/") }) else { throw PseudoTerminal.Failure.system("the explorer did not start") }
            terminal.send("e")
            terminal.read(seconds: 1.5) { _ in false }
            let start = monotonicSeconds()
            terminal.send("q")
            while !terminal.exited && monotonicSeconds() - start < 30 { terminal.read(seconds: 0.005) { _ in false } }
            guard terminal.exited else { throw PseudoTerminal.Failure.system("the explorer did not quit within 30 s of q during e") }
            times.append((monotonicSeconds() - start) * 1000)
        }
        times.sort()
        log(String(format: "quit during e (run to the end): median %.0f ms, max %.0f ms from q to exit (%d runs)", times[1], times[2], times.count))
    }
}
