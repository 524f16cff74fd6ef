import CNcursesw
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM/SIGHUP; the key loop sees it within one poll and restores the terminal.
nonisolated(unsafe) var terminationRequested: sig_atomic_t = 0
/// Set by SIGCONT: the program was suspended (ncurses restored the terminal and takes it back on
/// resume, redrawing its text), so the images, which ncurses does not know, must be sent again.
nonisolated(unsafe) var resumed: sig_atomic_t = 0

/// Why the explorer cannot use this terminal.
public enum TerminalError: Error, CustomStringConvertible, Sendable {
    case unusable(term: String)
    public var description: String {
        switch self {
        case .unusable(let term):
            "dnr explore needs a terminal that can place the cursor, and TERM=\(term.isEmpty ? "(unset)" : term) is not one ncurses knows; "
                + "run it in xterm, a Linux console or any terminal with a terminfo entry (or restore headless with dnr restore)"
        }
    }
}

/// A mouse event on a cell (rows and columns from 0).
public struct MouseEvent: Equatable, Sendable {
    public enum Kind: Sendable { case press, release, drag }
    public enum Button: Sendable { case left, right }
    public let kind: Kind
    /// The button pressed or released; for a drag, nil (the caller knows which one is held).
    public let button: Button?
    public let row: Int, column: Int
}

/// The terminal as ncurses drives it, plus raw output for images (which ncurses cannot draw).
/// `start` saves the terminal modes; `stop` (also run on quit, error and SIGINT/SIGTERM) restores them.
public final class TerminalScreen {
    public private(set) var rows = 0, columns = 0
    private var started = false
    private var theme = Theme.plain
    private var colorPairs: [Theme.Element: Int32] = [:]
    /// Images sent since the last full repaint: place → fingerprint (see `place`), and sixel encodings by
    /// image and size.
    var sentImages: [String: UInt64] = [:]
    var sixelCache: [String: [UInt8]] = [:]

    public init() {}

    /// Takes over the terminal; throws, with the terminal untouched, when TERM names no terminal
    /// ncurses can drive (unset, dumb, or unknown to terminfo).
    public func start() throws(TerminalError) {
        setlocale(LC_ALL, "")
        let name = getenv("TERM").map { String(cString: $0) } ?? ""
        guard !name.isEmpty, name != "dumb", let screen = dnr_newterm() else { throw .unusable(term: name) }
        _ = set_term(screen)
        started = true
        _ = cbreak()
        _ = noecho()
        _ = keypad(dnr_stdscr(), true)
        _ = curs_set(0)
        timeout(50)
        if has_colors() { _ = start_color(); _ = use_default_colors() }
        apply(theme)
        dnr_enable_mouse()
        // Button-event tracking: motion is reported while a button is held (drags), not otherwise.
        writeRaw("\u{1B}[?1002h")
        signal(SIGINT) { _ in terminationRequested = 1 }
        signal(SIGTERM) { _ in terminationRequested = 1 }
        signal(SIGHUP) { _ in terminationRequested = 1 }  // the terminal went away: do not spin on a dead tty
        signal(SIGCONT) { _ in resumed = 1 }
        refreshSize()
    }

    public func stop() {
        guard started else { return }
        started = false
        writeRaw("\u{1B}[?1002l")
        _ = curs_set(1)
        _ = endwin()
        writeRaw("\u{1B}[0m")
    }

    deinit { stop() }

    public var shouldQuit: Bool { terminationRequested != 0 }

    /// Whether the program was resumed after a suspension (Ctrl-Z, then fg) since the last call.
    public func takeResumed() -> Bool {
        guard resumed != 0 else { return false }
        resumed = 0
        return true
    }

    public func refreshSize() {
        rows = Int(dnr_lines())
        columns = Int(dnr_cols())
    }

    /// The next key, or nil after the poll interval. The arrow keys arrive as "←", "→", "↑" and "↓";
    /// a mouse event as `mouseKey`, with `mouse` holding it.
    public func key() -> Int32? {
        let k = getch()
        if k == dnr_key_resize() { refreshSize() }
        if k == dnr_key_mouse() {
            var row: Int32 = 0, column: Int32 = 0
            let kind = dnr_mouse_event(&row, &column)
            switch kind {
            case 1, 3: mouse = MouseEvent(kind: .press, button: kind == 1 ? .left : .right, row: Int(row), column: Int(column))
            case 2, 4: mouse = MouseEvent(kind: .release, button: kind == 2 ? .left : .right, row: Int(row), column: Int(column))
            case 5: mouse = MouseEvent(kind: .drag, button: nil, row: Int(row), column: Int(column))
            default: return nil
            }
            return Self.mouseKey
        }
        let arrows: [Int32: Character] = [dnr_key_left(): "←", dnr_key_right(): "→", dnr_key_up(): "↑", dnr_key_down(): "↓"]
        if let arrow = arrows[k] { return Int32(arrow.unicodeScalars.first!.value) }
        return k == ERR ? nil : k
    }

    /// What `key()` returns for a mouse event (a code no key has).
    public static let mouseKey: Int32 = -2
    /// The last mouse event `key()` reported.
    public private(set) var mouse: MouseEvent?

    /// Blanks the screen for the next frame; `full` also makes the terminal repaint every cell.
    /// A full repaint blanks the images too (ncurses does not know them), so every image is sent again.
    public func clear(full: Bool = false) {
        _ = erase()
        if full {
            _ = clearok(dnr_stdscr(), true)
            sentImages = [:]
        }
    }

    /// Uses `theme`'s colours from now on (one colour pair per element; colours the terminal lacks
    /// become the nearest it has).
    public func apply(_ theme: Theme) {
        self.theme = theme
        colorPairs = [:]
        guard started, has_colors() else { return }
        let available = Int(dnr_colors())
        func value(_ color: Theme.Color) -> Int32 { color.cursesValue(available: available) }
        for (i, element) in Theme.Element.allCases.enumerated() where Int32(i + 1) < dnr_color_pairs() {
            let style = theme.style(element)
            guard style.foreground != .terminalDefault || style.background != .terminalDefault else { continue }
            _ = init_pair(Int16(i + 1), Int16(value(style.foreground)), Int16(value(style.background)))
            colorPairs[element] = Int32(i + 1)
        }
    }

    /// Text at a cell in the theme's style for `element`, cut at the right edge; never on the last
    /// line (kept free for images' sake).
    public func text(_ string: String, row: Int, column: Int, style element: Theme.Element? = nil) {
        guard row >= 0 && row < rows - 1 && column < columns else { return }
        let room = columns - column
        let cut = String(string.prefix(max(room, 0)))
        var attributes: Int32 = 0
        if let element {
            if theme.style(element).bold { attributes |= Int32(dnr_attribute_bold()) }
            if let pair = colorPairs[element] { attributes |= Int32(dnr_color_pair(pair)) }
        }
        if attributes != 0 { _ = attron(attributes) }
        _ = dnr_mvaddstr(Int32(row), Int32(column), cut)
        if attributes != 0 { _ = attroff(attributes) }
    }

    public func present() { _ = refresh() }

    /// Raw bytes after ncurses has drawn: images, placed with the cursor saved and restored.
    public func image(at row: Int, column: Int, lines: [String]) {
        var out = "\u{1B}7"
        for (i, line) in lines.enumerated() where row + i < rows - 1 {
            out += "\u{1B}[\(row + i + 1);\(column + 1)H" + line
        }
        writeRaw(out + "\u{1B}8")
    }

    public func sixel(at row: Int, column: Int, bytes: [UInt8]) {
        writeRaw("\u{1B}7\u{1B}[\(row + 1);\(column + 1)H")
        bytes.withUnsafeBytes { writeAll($0) }
        writeRaw("\u{1B}8")
    }

    func writeRaw(_ text: String) {
        var text = text
        text.withUTF8 { writeAll(UnsafeRawBufferPointer($0)) }
    }

    /// Writes everything, waiting for the terminal when its buffer is full (EAGAIN) or a signal
    /// interrupts (EINTR) — a large image must never be cut off mid-sequence.
    func writeAll(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 { offset += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EINTR) {
                var descriptor = pollfd(fd: STDOUT_FILENO, events: Int16(POLLOUT), revents: 0)
                _ = poll(&descriptor, 1, 100)
                continue
            }
            return
        }
    }
}
