/// Text broken at spaces into lines of at most `width` characters; a word longer than a line is cut.
enum WordWrap {
    static func lines(_ text: String, width: Int) -> [String] {
        let width = max(width, 1)
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            var word = Substring(word)
            if !line.isEmpty && line.count + 1 + word.count > width { lines.append(line); line = "" }
            while word.count > width {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }
}
