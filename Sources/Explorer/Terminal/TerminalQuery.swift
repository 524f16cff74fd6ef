import CNcursesw
#if canImport(Glibc)
import Glibc
#endif

/// Asks the terminal what it can do (before ncurses starts): DA1 for sixel, and the cell size in
/// pixels from the window size (TIOCGWINSZ) or else `CSI 16 t`; each query has a short timeout so a
/// silent terminal costs a fraction of a second.
public enum TerminalQuery {
    public static func capabilities(timeoutMilliseconds: Int32 = 250) -> TerminalCapabilities {
        var caps = TerminalCapabilities()
        let colorterm = String(cString: getenv("COLORTERM") ?? strdup(""))
        caps.trueColor = colorterm.contains("truecolor") || colorterm.contains("24bit")
        var saved = termios()
        guard isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &saved) == 0 else { return caps }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        defer { _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
        if let reply = ask("\u{1B}[c", until: UInt8(ascii: "c"), timeout: timeoutMilliseconds) {
            caps.deviceAttributes = TerminalCapabilities.parseDeviceAttributes(reply) ?? []
        }
        if let cell = windowCellSize() {
            caps.cellWidth = cell.width
            caps.cellHeight = cell.height
        } else if let reply = ask("\u{1B}[16t", until: UInt8(ascii: "t"), timeout: timeoutMilliseconds),
           let cell = TerminalCapabilities.parseCellSize(reply) {
            caps.cellWidth = cell.width
            caps.cellHeight = cell.height
        }
        return caps
    }

    /// Pixels per cell from the kernel's window size, when the terminal fills in the pixel fields.
    static func windowCellSize() -> (width: Int, height: Int)? {
        var columns: Int32 = 0, rows: Int32 = 0, width: Int32 = 0, height: Int32 = 0
        guard dnr_window_size(STDOUT_FILENO, &columns, &rows, &width, &height) == 0,
              columns > 0, rows > 0, width >= columns, height >= rows else { return nil }
        return (Int(width / columns), Int(height / rows))
    }

    static func ask(_ query: String, until final: UInt8, timeout: Int32) -> [UInt8]? {
        var q = query
        q.withUTF8 { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        var reply: [UInt8] = []
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        while poll(&descriptor, 1, timeout) > 0 {
            var byte: UInt8 = 0
            guard read(STDIN_FILENO, &byte, 1) == 1 else { break }
            reply.append(byte)
            if byte == final { return reply }
        }
        return reply.isEmpty ? nil : reply
    }
}
