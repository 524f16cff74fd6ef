import FaceFinding
import FaceID
import FileIO
import Foundation
import Imaging
import Tensors

/// What `dnr restore` records beside a restored photo: the detection and, per face, what was done.
public struct PhotoRestoreRecord: Codable, Sendable {
    public struct Face: Codable, Sendable {
        public var box: PixelRect
        public var score: Double
        public var landmarks: [Landmark]
        /// The side of the face's chip in photo pixels (the face's size in the models' framing).
        public var chipSide: Double
        /// Chip pixel → photo pixel, for the chip at `resolution`.
        public var chipToPhoto: PointTransform
        /// "restored", or why not ("skipped: …").
        public var action: String
        public var restoration: FaceRestorationNumbers?
        /// The chip and restored chip files (`--faces`).
        public var chipFile: String?
        public var restoredFile: String?
    }
    public var input: String
    public var output: String?
    public var width: Int
    public var height: Int
    public var alignment = "photo"
    public var upsample: Int
    public var maximumFaceSide: Int
    public var detectionMilliseconds: Double
    public var resolution: Int
    public var ipcOnly: Bool
    public var settings: SamplerSettings?
    public var seconds: Double
    public var faces: [Face]
    public var blas: String = BLASCore.summary
}

/// The per-face numbers of a restoration (as a chip's sidecar has them).
public struct FaceRestorationNumbers: Codable, Sendable {
    public var steps: Int
    public var millisecondsPerStep: Double
    public var identityToConditioner: Float
    public var inputIdentityToConditioner: Float
    public var maskCoverage: Float?
}

/// Restores every face in a photo: find them (dlib's detector and landmarks), cut each one's chip as
/// the training faces were cut, restore it, and paste the change back into the photo (`PasteBack`).
/// Faces whose chip is larger than `maximumFaceSide` photo pixels are left as they are: a 64 px model
/// has nothing to add to a face it would first have to shrink.
public struct PhotoRestoreJob {
    public var chipJob = RestoreJob()
    public var upsample = 1
    public var maximumFaceSide = 192
    /// Also write each face's chip and restored chip beside the output.
    public var saveFaces = false

    public init() {}

    public enum Failure: Error, CustomStringConvertible {
        case noFaces(path: String, upsample: Int)
        public var description: String {
            switch self {
            case .noFaces(let path, let upsample):
                "\(path): no faces found\(upsample < 2 ? " (faces smaller than about \(80 >> upsample) px need --upsample \(upsample + 1))" : ""); nothing written"
            }
        }
    }

    /// The doublings the detector will use on `photo` (fewer than `upsample` for a large photo).
    public func effectiveUpsample(for photo: RGBImage) -> Int {
        FaceFinder.effectiveUpsample(width: photo.width, height: photo.height, requested: upsample)
    }

    /// Finds the faces first (so a caller can size its progress), then restores them with `restore`.
    public func findFaces(_ finder: FaceFinder, in photo: RGBImage) -> (faces: [FoundFace], milliseconds: Double) {
        let start = monotonicMilliseconds()
        let faces = finder.find(in: photo, upsample: upsample)
        return (faces, monotonicMilliseconds() - start)
    }

    public func isRestored(_ face: FoundFace) -> Bool { face.chipSideInPhoto <= Double(maximumFaceSide) }

    /// Restores `faces` of `photo` (read from `input`) and writes the photo to `output` with its sidecar.
    /// No face found: nothing is written, `Failure.noFaces` is thrown.
    public func run(_ restorer: FaceRestorer, photo: RGBImage, faces: [FoundFace], detectionMilliseconds: Double,
                    input: String, output: String, progress: (SamplerState) -> Void = { _ in }) throws -> PhotoRestoreRecord {
        let start = monotonicMilliseconds() - detectionMilliseconds
        guard ImageFile.format(forPath: output) != nil else { throw ImageError.unsupportedOutputFormat(path: output) }
        guard !faces.isEmpty else { throw Failure.noFaces(path: input, upsample: effectiveUpsample(for: photo)) }
        let r = restorer.resolution
        let base = String(output[..<(output.lastIndex(of: ".") ?? output.endIndex)])
        var result = photo
        let bytes = ByteImage(photo)
        var records: [PhotoRestoreRecord.Face] = []
        for (k, face) in faces.enumerated() {
            let placement = face.placement(size: 2 * r)
            var record = PhotoRestoreRecord.Face(
                box: face.box, score: face.score, landmarks: face.landmarks, chipSide: face.chipSideInPhoto,
                chipToPhoto: face.placement(size: r).chipToPhoto, action: "restored")
            guard isRestored(face) else {
                record.action = "skipped: its chip is \(Int(face.chipSideInPhoto.rounded())) px in the photo, more than --max-face \(maximumFaceSide)"
                records.append(record)
                continue
            }
            // Cut at twice the model's resolution, as the training chips were, then brought to it as
            // a chip input is (`FaceAlignment.chip`).
            let chip = try FaceAlignment.chip.chip(from: FaceFinder.chip(of: face, from: bytes, size: 2 * r), path: input, resolution: r)
            let restored = try chipJob.restore(restorer, chip: chip, extrasBase: base + "_face\(k)", progress: progress)
            result = PasteBack.paste(restored.restored, input: chip, placement: placement, into: result)
            let numbers = restored.record
            record.restoration = FaceRestorationNumbers(
                steps: numbers.steps, millisecondsPerStep: numbers.millisecondsPerStep, identityToConditioner: numbers.identityToConditioner,
                inputIdentityToConditioner: numbers.inputIdentityToConditioner, maskCoverage: numbers.maskCoverage)
            if saveFaces {
                let (chipFile, restoredFile) = (base + "_face\(k)_chip.png", base + "_face\(k)_restored.png")
                try ImageFile.write(chip, to: chipFile)
                try ImageFile.write(restored.restored, to: restoredFile)
                (record.chipFile, record.restoredFile) = (chipFile, restoredFile)
            }
            records.append(record)
        }
        try ImageFile.write(result, to: output)
        let ipcOnly: Bool = if case .conditionerOnly = restorer { true } else { false }
        let record = PhotoRestoreRecord(
            input: input, output: output, width: photo.width, height: photo.height,
            upsample: FaceFinder.effectiveUpsample(width: photo.width, height: photo.height, requested: upsample), maximumFaceSide: maximumFaceSide,
            detectionMilliseconds: detectionMilliseconds, resolution: r, ipcOnly: ipcOnly, settings: ipcOnly ? nil : chipJob.settings,
            seconds: (monotonicMilliseconds() - start) / 1000, faces: records)
        try chipJob.write(record, to: base + ".json")
        return record
    }
}
