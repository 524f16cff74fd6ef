import Foundation

/// The package's root folder (the shipped samples and models live there).
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// This test process's scratch folders all live under one folder, removed when the process exits.
let scratchRoot: String = {
    let root = NSTemporaryDirectory() + "dnr-tests-\(getpid())"
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "dnr-tests-\(getpid())") }
    return root
}()

/// A fresh empty folder under this process's scratch root.
public func scratchFolder() throws -> String {
    let path = scratchRoot + "/" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
