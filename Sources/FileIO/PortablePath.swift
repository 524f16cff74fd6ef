import Foundation

/// Paths as records keep them: relative, so that a model card, run.json or score table made on one
/// machine means the same on another (the repository and the data folder move; their layout stays).
public enum PortablePath {
    /// `path` relative to `base` (default: the current directory), e.g. "../shared/data/faces".
    public static func relative(_ path: String, to base: String = FileManager.default.currentDirectoryPath) -> String {
        let target = components(path, base: base), from = components(base, base: base)
        var shared = 0
        while shared < min(target.count, from.count) && target[shared] == from[shared] { shared += 1 }
        let parts = [String](repeating: "..", count: from.count - shared) + target[shared...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// A command line with every absolute path replaced by its relative form.
    public static func commandLine(_ arguments: [String], base: String = FileManager.default.currentDirectoryPath) -> String {
        arguments.map { $0.hasPrefix("/") ? relative($0, to: base) : $0 }.joined(separator: " ")
    }

    static func components(_ path: String, base: String) -> [String] {
        let absolute = path.hasPrefix("/") ? path : base + "/" + path
        var out: [String] = []
        for part in absolute.split(separator: "/") where part != "." && !part.isEmpty {
            if part == ".." { if !out.isEmpty { out.removeLast() } } else { out.append(String(part)) }
        }
        return out
    }
}
