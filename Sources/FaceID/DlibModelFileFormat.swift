import FileIO

/// One of dlib's original model files (the recognizer, the face detector, the landmark predictor):
/// its name, its checksum and how its bytes parse. Loading, the fuzzer's entry and finding the file
/// in `Models/` are the same for all of them.
package protocol DlibModelFileFormat {
    associatedtype Model
    static var name: String { get }
    static var sha256: String { get }
    static func parse(_ bytes: [UInt8], path: String) throws(DlibModelError) -> Model
}

extension DlibModelFileFormat {
    /// The file at `path`, its sha256 verified first (a wrong or altered file is refused by name).
    package static func load(_ path: String, verifyChecksum: Bool = true) throws(DlibModelError) -> Model {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch { throw .unreadable(path: path, reason: error.reason) }
        if verifyChecksum {
            let digest = Checksum.sha256(bytes)
            if digest != sha256 { throw .wrongChecksum(path: path, file: name, expected: sha256, found: digest) }
        }
        return try parse(bytes, path: path)
    }

    /// The loader's answer to any bytes, keeping nothing (used by the fuzzer, which feeds it strangers' files).
    package static func check(_ bytes: [UInt8], path: String) throws(DlibModelError) {
        _ = try parse(bytes, path: path)
    }

    /// Where the file is in the project's `Models/` folder (see `ModelLocator`).
    package static func defaultPath() throws(DlibModelError) -> String {
        guard let path = ModelLocator.path(of: name) else {
            throw .unreadable(path: name, reason: "not found in \(ModelLocator.candidateFolders().joined(separator: ", ")); set DNR_MODELS to the folder holding it")
        }
        return path
    }
}
