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

        /// ncurses' number for it (−1 is the default colour after use_default_colors).
        public var cursesValue: Int32 {
            switch self {
            case .terminalDefault: -1
            case .index(let i): Int32(i)
            }
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
