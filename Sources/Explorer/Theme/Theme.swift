/// The explorer's colours: a style for each kind of text on the screen, read from a theme file.
public struct Theme: Equatable, Sendable {
    /// The kinds of text the screen draws.
    public enum Element: String, CaseIterable, Sendable {
        case title, status, label, numbers, sparkline, footer, message, help, notice
    }

    /// A colour: the terminal's default, or an index into its palette (0–7 normal, 8–15 bright, 16–255 the 256-colour cube and greys).
    public enum Color: Equatable, Sendable {
        case terminalDefault
        case index(Int)

        /// ncurses' number for it on a terminal with `available` colours (−1 is the default colour
        /// after use_default_colors); a colour beyond the terminal's palette becomes the nearest one it
        /// has (xterm's palette values), so that `black on 250` stays readable on an 8-colour terminal.
        public func cursesValue(available: Int) -> Int32 {
            switch self {
            case .terminalDefault: return -1
            case .index(let i) where i < available: return Int32(i)
            case .index(let i):
                let target = Self.rgb(i)
                let candidates = 0..<min(max(available, 1), 16)
                return Int32(candidates.min { Self.distance(Self.rgb($0), target) < Self.distance(Self.rgb($1), target) }!)
            }
        }

        /// xterm's RGB for a palette index.
        static func rgb(_ i: Int) -> (Int, Int, Int) {
            let basic = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
                         (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
            if i < 16 { return basic[i] }
            if i >= 232 { let g = 8 + 10 * (i - 232); return (g, g, g) }
            let levels = [0, 95, 135, 175, 215, 255], c = i - 16
            return (levels[c / 36], levels[(c / 6) % 6], levels[c % 6])
        }

        static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
            (a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1) + (a.2 - b.2) * (a.2 - b.2)
        }
    }

    public struct Style: Equatable, Sendable {
        public var foreground: Color, background: Color
        public var bold: Bool
        public init(foreground: Color = .terminalDefault, background: Color = .terminalDefault, bold: Bool = false) {
            self.foreground = foreground
            self.background = background
            self.bold = bold
        }
    }

    public var name: String
    public var styles: [Element: Style]

    public init(name: String, styles: [Element: Style]) {
        self.name = name
        self.styles = styles
    }

    public func style(_ element: Element) -> Style { styles[element] ?? Style() }

    /// Used when no theme file is at hand: the terminal's own colours, titles in bold.
    public static let plain = Theme(name: "plain", styles: [.title: Style(bold: true), .help: Style(bold: true), .notice: Style(bold: true)])
}
