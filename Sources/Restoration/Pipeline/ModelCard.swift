import FileIO
import Foundation

/// The model card written beside each exported network (`NAME.card.json`) and read back by the
/// model store: what was trained, on what, for how long, with which command and losses.
public struct ModelCard: Codable, Equatable, Sendable {
    public var network: String
    public var weights: String
    public var dtype: String
    /// The network's configuration, as in the weights file's metadata.
    public var configuration: JSONValue
    public var parameters: Int
    /// The training data, relative to where training ran, and how it was degraded.
    public var data: String
    public var steps: Int
    public var batch: Int
    public var learningRate: Float
    public var finalLossMeanLast100: Double?
    public var bestLossMean100: Double?
    public var wallSeconds: Int
    public var ema: Bool
    /// Losses on the fixed validation batch at export (absent in the first cards).
    public var validationOnFixedBatch: [String: Double]?
    /// The command that started the run and the one that last resumed it (paths relative).
    public var command: String
    public var lastCommand: String?
    /// The weights a `--from-models` run started from.
    public var startedFrom: String?
    public var date: String
    /// For a mask sub-branch: the sha256 of the IPC file it was trained reading. The branch reads that IPC's
    /// features, so its regions move when the IPC is retrained (`ModelStore.maskPairingNote`).
    public var ipcSHA256: String? = nil

    enum CodingKeys: String, CodingKey {
        case network, weights, dtype, configuration, parameters, data, steps, batch, ema, command, date
        case learningRate = "learning_rate", finalLossMeanLast100 = "final_loss_mean_last_100", bestLossMean100 = "best_loss_mean_100"
        case wallSeconds = "wall_seconds", validationOnFixedBatch = "validation_on_fixed_batch", lastCommand = "last_command"
        case startedFrom = "started_from", ipcSHA256 = "ipc_sha256"
    }

    /// The card beside `weightsPath` (`x.safetensors` → `x.card.json`).
    public static func path(besideWeights weightsPath: String) -> String {
        (weightsPath.hasSuffix(".safetensors") ? String(weightsPath.dropLast(".safetensors".count)) : weightsPath) + ".card.json"
    }

    public static func read(_ path: String) throws -> ModelCard {
        try JSONDecoder().decode(ModelCard.self, from: Data(try AtomicFile.read(path)))
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(self)), to: path)
    }
}

/// Any JSON value (for a configuration whose shape depends on the network).
public enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): if n == n.rounded() && abs(n) < 1e15 { try c.encode(Int(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The value of a JSON text, or nil when it is not JSON.
    public init?(text: String) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return nil }
        self = value
    }
}
