#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file-system failure, worded for a one-line message to the user.
public struct FileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}

/// Whole-file reads and atomic writes with POSIX calls, so that errors carry `strerror`'s words and
/// a crash or a failure never leaves a half-written file under the final name.
public enum AtomicFile {
    /// Writes `bytes` to a temporary file beside `path`, flushes it, then renames it over `path`.
    public static func write(_ bytes: [UInt8], to path: String) throws(FileError) {
        let failure: FileError? = bytes.withUnsafeBytes { buffer in
            do throws(FileError) { try write(buffer, to: path) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    public static func write(_ buffer: UnsafeRawBufferPointer, to path: String) throws(FileError) {
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw FileError(path: path, reason: "cannot write: \(lastErrorText())") }
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                let reason = lastErrorText()
                close(fd)
                unlink(temporary)
                throw FileError(path: path, reason: "cannot write: \(reason)")
            }
            offset += written
        }
        if fsync(fd) != 0 || close(fd) != 0 {
            let reason = lastErrorText()
            unlink(temporary)
            throw FileError(path: path, reason: "cannot write: \(reason)")
        }
        if rename(temporary, path) != 0 {
            let reason = lastErrorText()
            unlink(temporary)
            throw FileError(path: path, reason: "cannot write: \(reason)")
        }
    }

    /// The whole file, or a `FileError` that says why not (missing, a folder, unreadable).
    public static func read(_ path: String) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw FileError(path: path, reason: errno == ENOENT ? "no such file" : "cannot read: \(lastErrorText())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, reason: "cannot read: \(lastErrorText())") }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw FileError(path: path, reason: "is a folder, not a file") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, reason: "cannot read: \(lastErrorText())")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    private static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var generator = SystemRandomNumberGenerator()
        return "\(folder).\(name).tmp-\(getpid())-\(generator.next() & 0xffff_ffff)"
    }

    private static func lastErrorText() -> String { String(cString: strerror(errno)) }
}

/// What kind of thing a path names.
public enum PathKind: Sendable { case missing, file, folder }

public func pathKind(_ path: String) -> PathKind {
    var info = stat()
    guard stat(path, &info) == 0 else { return .missing }
    return (info.st_mode & S_IFMT) == S_IFDIR ? .folder : .file
}
