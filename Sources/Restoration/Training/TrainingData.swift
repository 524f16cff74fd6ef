import FileIO
import Imaging
import Tensors

/// Clean faces for training, degraded on the fly with the paper's ranges at the model resolution.
public struct TrainingData: Sendable {
    public let files: [String]
    public let resolution: Int
    public private(set) var skipped = 0

    /// Every image listed for `split` in the folder's faces.csv, or, without a manifest, every
    /// .png/.jpg in the folder.
    public init(folder: String, split: String = "train", resolution: Int) throws {
        self.resolution = resolution
        if let manifest = try? FaceManifest(folder: folder) {
            files = manifest.entries(in: split).map { manifest.path($0) }
        } else {
            files = try FolderListing.images(in: folder)
        }
        guard !files.isEmpty else { throw TrainingDataError.empty(folder: folder, split: split) }
    }

    /// A batch of `size` pairs drawn with replacement; unreadable images are skipped and counted.
    public mutating func batch(_ size: Int, generator: inout SeededGenerator) -> TrainingBatch {
        var clean: [Tensor] = [], degraded: [Tensor] = []
        var attempts = 0
        while clean.count < size {
            attempts += 1
            precondition(attempts < size * 50, "too many unreadable images in the training data")
            let file = files[Int(generator.next() % UInt64(files.count))]
            let seed = generator.next()
            guard let image = try? ImageFile.read(file), image.width == image.height else { skipped += 1; continue }
            let face = image.width == resolution ? image : image.resized(to: resolution, filter: image.width > resolution ? .box : .bicubic).clamped()
            guard let (x, _) = try? Degradation.random(face, ranges: .paper(resolution: resolution), seed: seed) else { skipped += 1; continue }
            clean.append(face.tensor())
            degraded.append(x.tensor())
        }
        return TrainingBatch(clean: Tensor.concatenate(clean, axis: 0), degraded: Tensor.concatenate(degraded, axis: 0))
    }
}

public enum TrainingDataError: Error, CustomStringConvertible {
    case empty(folder: String, split: String)
    public var description: String {
        switch self {
        case .empty(let folder, let split): "\(folder): no training images (no faces.csv rows for split '\(split)' and no .png/.jpg files)"
        }
    }
}

enum FolderListing {
    static func images(in folder: String) throws -> [String] {
        try Folder.list(folder, where: ImageFile.isImageName).map { folder + "/" + $0 }
    }
}
