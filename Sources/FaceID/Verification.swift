import Imaging
import Tensors

/// Face verification on a labelled set: genuine pairs (two photos of one person) against impostor
/// pairs (photos of two people), judged by dlib's distance rule.
public struct VerificationResult: Sendable {
    public var genuinePairs = 0, impostorPairs = 0
    public var genuineAccepted = 0, impostorsRejected = 0
    public var genuineCosines: [Float] = [], impostorCosines: [Float] = []
    public var accuracy: Double { Double(genuineAccepted + impostorsRejected) / Double(max(genuinePairs + impostorPairs, 1)) }
}

public enum Verification {
    /// Pairs every identity's first two photos (genuine), and each identity's first photo with the
    /// next identity's second photo (impostor, as many as genuine pairs). Images are read, brought to
    /// `resolution` with an area filter, and compared with the recognizer (which resizes them to 150).
    public static func run(_ recognizer: FaceRecognizer, manifest: FaceManifest, split: String, resolution: Int?,
                           batch: Int = 16, progress: (Int, Int) -> Void = { _, _ in }) throws -> VerificationResult {
        var byIdentity: [String: [FaceManifest.Entry]] = [:]
        var order: [String] = []
        for entry in manifest.entries(in: split) where !entry.identity.isEmpty {
            if byIdentity[entry.identity] == nil { order.append(entry.identity) }
            byIdentity[entry.identity, default: []].append(entry)
        }
        let people = order.filter { byIdentity[$0]!.count >= 2 }
        let files = people.flatMap { Array(byIdentity[$0]!.prefix(2)) }
        var descriptors: [[Float]] = []
        for start in stride(from: 0, to: files.count, by: batch) {
            let chunk = files[start..<min(start + batch, files.count)]
            let tensors = try chunk.map { entry -> Tensor in
                var image = try ImageFile.read(manifest.path(entry))
                if let resolution, resolution != image.width { image = image.resized(to: resolution, filter: .box) }
                return image.tensor()
            }
            let d = withoutGradients { recognizer.descriptors(Variable(Tensor.concatenate(tensors, axis: 0))) }.value
            for i in 0..<chunk.count { descriptors.append(Array(d.scalars[(i * 128)..<((i + 1) * 128)])) }
            progress(descriptors.count, files.count)
        }
        var result = VerificationResult()
        for i in 0..<people.count {
            let genuine = IdentityComparison(descriptors[2 * i], descriptors[2 * i + 1], threshold: recognizer.samePersonThreshold)
            result.genuinePairs += 1
            result.genuineCosines.append(genuine.cosine)
            if genuine.samePerson { result.genuineAccepted += 1 }
            guard people.count > 1 else { continue }
            let other = (i + 1) % people.count
            let impostor = IdentityComparison(descriptors[2 * i], descriptors[2 * other + 1], threshold: recognizer.samePersonThreshold)
            result.impostorPairs += 1
            result.impostorCosines.append(impostor.cosine)
            if !impostor.samePerson { result.impostorsRejected += 1 }
        }
        return result
    }
}
