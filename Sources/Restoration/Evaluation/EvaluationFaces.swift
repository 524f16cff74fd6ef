import FileIO
import Imaging

/// The faces an evaluation scores: a manifest's split (with identities), or every image of a folder.
public struct EvaluationFaces {
    public private(set) var files: [String]
    /// Each face's identity label ("" when unknown).
    public private(set) var identities: [String]

    public init(folder: String, split: String, limit: Int? = nil) throws {
        if let manifest = try? FaceManifest(folder: folder) {
            let entries = manifest.entries(in: split)
            files = entries.map { manifest.path($0) }
            identities = entries.map(\.identity)
        } else {
            files = try Folder.list(folder, where: ImageFile.isImageName).map { folder + "/" + $0 }
            identities = files.map { _ in "" }
        }
        if let limit {
            files = Array(files.prefix(limit))
            identities = Array(identities.prefix(limit))
        }
        if files.isEmpty { throw EvaluationRunError.io("no faces in \(folder) (split \(split))") }
    }
}
