#if canImport(Glibc)
import Glibc
#endif

/// Finds the project's `Models/` folder: `$DNR_MODELS`, then `./Models`, then a `Models/` next to
/// or above the running executable (so `.build/release/dnr` finds the clone's models).
public enum ModelLocator {
    public static func path(of file: String) -> String? {
        for folder in candidateFolders() where pathKind(folder + "/" + file) == .file {
            return folder + "/" + file
        }
        return nil
    }

    /// A folder shipped beside `Models/` (Samples, Themes): the first candidate root that has it.
    public static func projectFolder(_ name: String) -> String? {
        candidateFolders().map { String($0.dropLast("Models".count)) + name }.first { pathKind($0) == .folder }
    }

    public static func candidateFolders() -> [String] {
        var folders: [String] = []
        if let env = getenv("DNR_MODELS") { folders.append(String(cString: env)) }
        folders.append("Models")
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            var folder = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            for _ in 0..<5 {
                guard let slash = folder.lastIndex(of: "/"), slash != folder.startIndex else { break }
                folder = String(folder[..<slash])
                folders.append(folder + "/Models")
            }
        }
        return folders
    }
}
