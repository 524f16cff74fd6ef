#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error: count, rate and time left. On a terminal it redraws
/// in place; otherwise it prints a line at every tenth of the work, so logs stay readable.
public final class ProgressBar {
    private let total: Int
    private let label: String
    private let interactive: Bool
    private var start: Double
    /// Items done before this run (a resumed job): shown, but not counted in the rate.
    private var resumed = 0
    private var lastDraw = 0.0
    private var lastDecile = -1
    public private(set) var completed = 0

    public init(total: Int, label: String, interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = max(total, 0)
        self.label = label
        self.interactive = interactive
        self.start = monotonicSeconds()
    }

    /// Marks `count` items as done before this run started (a resumed job), without drawing.
    public func resume(at count: Int) {
        completed = min(count, total)
        resumed = completed
        start = monotonicSeconds()
    }

    /// Marks `count` more items done, with an optional note (for example the latest loss).
    public func advance(by count: Int = 1, note: String = "") {
        completed = min(completed + count, total)
        let now = monotonicSeconds()
        if interactive {
            if now - lastDraw >= 0.1 || completed == total {
                lastDraw = now
                write("\r\u{1B}[2K" + line(now: now, note: note) + (completed == total ? "\n" : ""))
            }
        } else {
            let decile = total == 0 ? 10 : completed * 10 / total
            if decile != lastDecile {
                lastDecile = decile
                write(line(now: now, note: note) + "\n")
            }
        }
    }

    func line(now: Double, note: String) -> String {
        let elapsed = now - start
        let fraction = total == 0 ? 1 : Double(completed) / Double(total)
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let rate = elapsed > 0 ? Double(completed - resumed) / elapsed : 0
        let remaining = rate > 0 ? Double(total - completed) / rate : 0
        var text = "\(label) \(bar) \(completed)/\(total)  \(formatRate(rate))  ETA \(formatDuration(remaining))"
        if !note.isEmpty { text += "  " + note }
        return text
    }

    private func write(_ text: String) {
        writeStandardError(text)
    }
}

public func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600)h\(pad2((s / 60) % 60))m" : "\(pad2(s / 60)):\(pad2(s % 60))"
}

func formatRate(_ perSecond: Double) -> String {
    if perSecond >= 1 { return "\((perSecond * 10).rounded() / 10) it/s" }
    if perSecond > 0 { return "\((10 / perSecond).rounded() / 10) s/it" }
    return "– it/s"
}

private func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Writes `text` to standard error unbuffered (C's `stderr` global is off limits under Swift 6).
public func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { break }
            offset += n
        }
    }
}
