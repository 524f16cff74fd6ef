import FileIO
import Foundation

/// Which trained weights produced a result: each file's sha256 and what its model card says.
public struct ModelFingerprint: Sendable, Equatable {
    public var file: String
    public var sha256: String
    public var steps: Int?
    public var date: String?

    /// The IPC, UNet and mask files present in `folder`, in that order.
    public static func list(in folder: String) -> [ModelFingerprint] {
        [ModelStore.conditionerFile, ModelStore.unetFile, ModelStore.maskFile].compactMap { file in
            guard let bytes = try? AtomicFile.read(folder + "/" + file) else { return nil }
            let digest = Checksum.sha256(bytes)
            let card = try? ModelCard.read(ModelCard.path(besideWeights: folder + "/" + file))
            return ModelFingerprint(file: file, sha256: digest, steps: card?.steps, date: card?.date)
        }
    }

    /// One Markdown line: file, short hash, steps and date from the card.
    public var line: String {
        "`\(file)` sha256 `\(sha256.prefix(16))…`" + (steps.map { ", \($0) training steps" } ?? "") + (date.map { ", exported \($0)" } ?? "")
    }
}
