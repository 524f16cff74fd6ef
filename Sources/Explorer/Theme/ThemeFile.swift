import FileIO

/// A theme file is a list of `element = foreground [on background] [bold]` lines (see Themes/README.md).
public enum ThemeError: Error, CustomStringConvertible, Equatable {
    case notFound(name: String, searched: [String])
    case invalid(path: String, line: Int, message: String)

    public var description: String {
        switch self {
        case .notFound(let name, let searched):
            "no theme \"\(name)\": looked for \(searched.joined(separator: ", "))"
        case .invalid(let path, let line, let message):
            "\(path):\(line): \(message)"
        }
    }
}

extension Theme {
    static let colorNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses a theme file's text; `path` names it in errors. Elements the file leaves out keep the
    /// terminal's colours; an unknown element, colour or word is an error naming its line.
    public static func parse(_ text: String, path: String) throws -> Theme {
        var styles: [Element: Style] = [:]
        var name = path.split(separator: "/").last.map { String($0.split(separator: ".").first ?? $0) } ?? path
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            func fail(_ message: String) -> ThemeError { .invalid(path: path, line: lineNumber, message: message) }
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let sides = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard sides.count == 2 else { throw fail("expected \"element = colour [on colour] [bold]\", got \"\(line.trimmed)\"") }
            let key = sides[0].trimmed, value = sides[1].trimmed
            if key == "name" {
                guard !value.isEmpty else { throw fail("the name is empty") }
                name = value
                continue
            }
            guard let element = Element(rawValue: key) else {
                throw fail("unknown element \"\(key)\"; known: name, \(Element.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard styles[element] == nil else { throw fail("\"\(key)\" is set twice") }
            var words = value.split(whereSeparator: \.isWhitespace).map(String.init)
            var style = Style()
            if words.last == "bold" { style.bold = true; words.removeLast() }
            guard let first = words.first else { throw fail("\"\(key)\" has no colour") }
            style.foreground = try color(first, fail)
            if words.count == 3 && words[1] == "on" {
                style.background = try color(words[2], fail)
            } else if words.count != 1 {
                throw fail("expected \"colour [on colour] [bold]\" after \"\(key) =\", got \"\(value)\"")
            }
            styles[element] = style
        }
        return Theme(name: name, styles: styles)
    }

    static func color(_ word: String, _ fail: (String) -> ThemeError) throws -> Color {
        if word == "default" { return .terminalDefault }
        if let i = colorNames.firstIndex(of: word) { return .index(i) }
        if word.hasPrefix("bright-"), let i = colorNames.firstIndex(of: String(word.dropFirst(7))) { return .index(8 + i) }
        if let i = Int(word), (0...255).contains(i) { return .index(i) }
        throw fail("unknown colour \"\(word)\"; use default, a name (\(colorNames.joined(separator: ", ")), bright-…) or 0–255")
    }

    /// Reads a theme by path (anything with a "/" or ending in .theme) or by name from `folders`.
    public static func load(_ nameOrPath: String, folders: [String]) throws -> Theme {
        let candidates = nameOrPath.contains("/") || nameOrPath.hasSuffix(".theme")
            ? [nameOrPath] : folders.map { $0 + "/" + nameOrPath + ".theme" }
        guard let path = candidates.first(where: { pathKind($0) == .file }) else {
            throw ThemeError.notFound(name: nameOrPath, searched: candidates)
        }
        let bytes = try AtomicFile.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ThemeError.invalid(path: path, line: 1, message: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }
}

extension StringProtocol {
    var trimmed: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
