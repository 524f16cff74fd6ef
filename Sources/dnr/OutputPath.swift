import ArgumentParser
import FileIO
import Foundation
import Imaging

/// Where a command writes, checked (and a folder created) before any work, with one rule for every
/// command: an image name (.png, .jpg, .jpeg) is one output file, a name with another extension is
/// refused, anything else is a folder.
enum OutputPath: Equatable {
    case file(String)
    case folder(String)

    /// `oneImage`: the command has a single image to write, so an image name is allowed.
    static func prepare(_ path: String, oneImage: Bool) throws -> OutputPath {
        if pathKind(path) == .folder { return .folder(path) }
        let name = (path as NSString).lastPathComponent, ext = (name as NSString).pathExtension
        if ImageFile.format(forPath: path) != nil {
            guard oneImage else { throw ValidationError("several images need an output folder, not the image name \(path)") }
            let parent = (path as NSString).deletingLastPathComponent
            let folder = parent.isEmpty ? "." : parent
            switch pathKind(folder) {
            case .folder: break
            case .file: throw ValidationError("\(path): \(folder) is not a folder")
            case .missing: throw ValidationError("\(path): the folder \(folder) does not exist")
            }
            guard access(folder, W_OK) == 0 else { throw ValidationError("\(path): the folder \(folder) is not writable") }
            if pathKind(path) == .file && access(path, W_OK) != 0 { throw ValidationError("\(path): the file is not writable") }
            return .file(path)
        }
        if !ext.isEmpty && ext.count <= 4 && ext.allSatisfy({ $0.isLetter || $0.isNumber }) {
            throw ValidationError("\(path): .\(ext) is not an image format (use .png, .jpg or .jpeg), and an output folder is named without an extension")
        }
        do { try Folder.create(path) } catch { throw ValidationError(error.description) }
        guard access(path, W_OK) == 0 else { throw ValidationError("\(path): the folder is not writable") }
        return .folder(path)
    }
}
