import FileIO
import Foundation

/// What an evaluation's numbers depend on, kept as run.json beside scores.csv: a resumed run must
/// match it, so that faces scored with other weights or settings are never mixed into one report.
public struct EvaluationRunRecord: Codable, Equatable, Sendable {
    public var data: String
    public var split: String
    public var seed: UInt64
    public var methods: [String]
    public var startStep: Int
    public var steps: Int?
    public var scale: Float
    public var delta: Float
    /// The reverse process ("ddpm", "ddim", "ddim(η=…)"); absent in runs made before the choice existed, which were DDPM.
    public var sampler: String?
    /// Net4's mask: learned, proxy, regions or a file's path; absent in runs made before the choice existed (learned).
    public var mask: String?
    /// The sampler's noise temperature τ; absent in runs made before the choice existed (1).
    public var temperature: Float?
    /// Whether the guidance differentiated through the UNet; absent before the choice was recorded (false).
    public var exactGradient: Bool?
    /// "file sha256" of each network file used.
    public var weights: [String]

    public init(data: String, split: String, seed: UInt64, methods: [String], startStep: Int, steps: Int?, scale: Float, delta: Float,
                sampler: SamplerKind = .ddpm, temperature: Float, mask: String = "learned", exactGradient: Bool = false, weights: [ModelFingerprint]) {
        self.data = data
        self.split = split
        self.seed = seed
        self.methods = methods
        self.startStep = startStep
        self.steps = steps
        self.scale = scale
        self.delta = delta
        self.sampler = sampler.name
        self.temperature = temperature
        self.mask = mask
        self.exactGradient = exactGradient
        self.weights = weights.map { "\($0.file) \($0.sha256)" }
    }

    /// The fields in which `other` differs from this record, by name.
    public func differences(from other: EvaluationRunRecord) -> [String] {
        var names: [String] = []
        if data != other.data { names.append("data") }
        if split != other.split { names.append("split") }
        if seed != other.seed { names.append("seed") }
        if methods != other.methods { names.append("methods") }
        if startStep != other.startStep { names.append("tprime") }
        if steps != other.steps { names.append("steps") }
        if scale != other.scale { names.append("scale") }
        if delta != other.delta { names.append("delta") }
        if (sampler ?? "ddpm") != (other.sampler ?? "ddpm") { names.append("sampler") }
        if (temperature ?? 1) != (other.temperature ?? 1) { names.append("temperature") }
        if (mask ?? "learned") != (other.mask ?? "learned") { names.append("mask") }
        if (exactGradient ?? false) != (other.exactGradient ?? false) { names.append("exact-grad") }
        if weights != other.weights { names.append("weights") }
        return names
    }

    /// Writes the record into a new run's folder, or checks it against the one there.
    public func claim(folder: String) throws {
        let path = folder + "/run.json"
        if let bytes = try? AtomicFile.read(path) {
            let existing = try JSONDecoder().decode(EvaluationRunRecord.self, from: Data(bytes))
            let changed = existing.differences(from: self)
            if !changed.isEmpty {
                throw EvaluationRunError.mismatch("\(folder) holds a run with other \(changed.joined(separator: ", ")) (see \(path)); choose another --out to start a new run")
            }
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(Array(try encoder.encode(self)), to: path)
        }
    }
}

public enum EvaluationRunError: Error, CustomStringConvertible {
    case mismatch(String)
    case io(String)
    public var description: String {
        switch self { case .mismatch(let text), .io(let text): text }
    }
}
