#if canImport(Glibc)
import Glibc
#endif

/// Folder helpers for commands that take "a file or a folder".
public enum Folder {
    /// The names in `path` (not recursive) that `include` accepts, sorted, hidden files left out.
    public static func list(_ path: String, where include: (String) -> Bool) throws(FolderError) -> [String] {
        guard let directory = opendir(path) else { throw FolderError(path: path, reason: String(cString: strerror(errno))) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") && include(name) { names.append(name) }
        }
        return names.sorted()
    }

    /// Creates `path` and its parents if missing.
    public static func create(_ path: String) throws(FolderError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw FolderError(path: path, reason: "cannot create folder: \(String(cString: strerror(errno)))")
            }
            prefix += "/"
        }
        var info = stat()
        if stat(path, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR {
            throw FolderError(path: path, reason: "exists and is not a folder")
        }
    }
}

public struct FolderError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// `name` with its extension replaced by `newExtension`.
public func replacingExtension(_ name: String, with newExtension: String) -> String {
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name + "." + newExtension }
    return name[..<dot] + "." + newExtension
}
