import FileIO
import Foundation

/// Element types a safetensors file may hold that the engine reads and writes.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"
    var byteCount: Int { self == .f32 ? 4 : 2 }
}

public enum SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    case file(FileError)
    case truncated(path: String, reason: String)
    case badHeader(path: String, reason: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case missingTensor(path: String, name: String)
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    case unusedTensors(path: String, names: [String])

    public var description: String {
        switch self {
        case .file(let error): error.description
        case .truncated(let path, let reason): "\(path): truncated safetensors file: \(reason)"
        case .badHeader(let path, let reason): "\(path): bad safetensors header: \(reason)"
        case .unsupportedDType(let path, let tensor, let dtype): "\(path): tensor '\(tensor)' has dtype \(dtype); only F32, F16 and BF16 are supported"
        case .missingTensor(let path, let name): "\(path): no tensor named '\(name)'"
        case .shapeMismatch(let path, let name, let expected, let found): "\(path): tensor '\(name)' has shape \(found), the model expects \(expected)"
        case .unusedTensors(let path, let names):
            "\(path): \(names.count) tensor\(names.count == 1 ? "" : "s") the model does not have (\(names.prefix(3).map { "'\($0)'" }.joined(separator: ", "))\(names.count > 3 ? ", …" : "")); the file was written for another network"
        }
    }
}

/// The tensors and string metadata of a safetensors file, converted to float32.
public struct SafetensorsArchive: Sendable {
    public var tensors: [String: Tensor]
    public var metadata: [String: String]
    public var path: String

    public init(tensors: [String: Tensor], metadata: [String: String] = [:], path: String = "<memory>") {
        self.tensors = tensors
        self.metadata = metadata
        self.path = path
    }

    /// The tensor `name`, which must have `shape`.
    public func tensor(_ name: String, shape: [Int]) throws(SafetensorsError) -> Tensor {
        guard let t = tensors[name] else { throw .missingTensor(path: path, name: name) }
        guard t.shape == shape else { throw .shapeMismatch(path: path, name: name, expected: shape, found: t.shape) }
        return t
    }
}

/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the little-endian data.
public enum Safetensors {
    public static func read(_ path: String) throws(SafetensorsError) -> SafetensorsArchive {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch { throw .file(error) }
        return try decode(bytes, path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws(SafetensorsError) -> SafetensorsArchive {
        guard bytes.count >= 8 else { throw .truncated(path: path, reason: "\(bytes.count) bytes, shorter than the 8-byte length field") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw .truncated(path: path, reason: "the header claims \(headerLength) bytes, the file has \(bytes.count - 8) after the length field")
        }
        let dataStart = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any] else {
            throw .badHeader(path: path, reason: "not a JSON object")
        }
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in header {
            if name == "__metadata__" {
                guard let values = entry as? [String: String] else { throw .badHeader(path: path, reason: "__metadata__ must map strings to strings") }
                metadata = values
                continue
            }
            guard let info = entry as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shape = (info["shape"] as? [NSNumber])?.map(exactCount), !shape.contains(nil),
                  let offsets = (info["data_offsets"] as? [NSNumber])?.map(exactCount), offsets.count == 2, !offsets.contains(nil) else {
                throw .badHeader(path: path, reason: "entry '\(name)' needs dtype, shape and two data_offsets (whole numbers ≥ 0)")
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else { throw .unsupportedDType(path: path, tensor: name, dtype: dtypeName) }
            let (dims, range) = (shape.map { $0! }, offsets.map { $0! })
            // Checked arithmetic: a header is untrusted, and its numbers may overflow any product.
            let count = dims.reduce(Optional(1)) { product, d in product.flatMap { p in let r = p.multipliedReportingOverflow(by: d); return r.overflow ? nil : r.partialValue } }
            guard let count, range[1] >= range[0], count.multipliedReportingOverflow(by: dtype.byteCount) == (range[1] - range[0], false) else {
                throw .badHeader(path: path, reason: "tensor '\(name)': byte range \(range) does not fit shape \(dims) of \(dtypeName)")
            }
            guard range[1] <= bytes.count - dataStart else {
                throw .truncated(path: path, reason: "tensor '\(name)' ends at byte \(dataStart + range[1]), the file has \(bytes.count)")
            }
            tensors[name] = Tensor(shape: dims, scalars: decodeScalars(bytes, from: dataStart + range[0], count: count, dtype: dtype))
        }
        return SafetensorsArchive(tensors: tensors, metadata: metadata, path: path)
    }

    /// A JSON number that is a whole number from 0 to 2⁵³, or nil.
    static func exactCount(_ number: NSNumber) -> Int? {
        let value = number.doubleValue
        guard value >= 0, value <= 9_007_199_254_740_992, value == value.rounded() else { return nil }
        return Int(value)
    }

    /// The bytes of a safetensors file holding `tensors` (in this order) as `dtype`.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], dtype: SafetensorsDType = .f32,
                              metadata: [String: String] = [:]) -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let size = tensor.count * dtype.byteCount
            entries.append("\(jsonString(name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }  // pad with spaces to 8-byte alignment
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + header.count + offset)
        let length = UInt64(header.count)
        for i in 0..<8 { bytes.append(UInt8((length >> (8 * UInt64(i))) & 0xFF)) }
        bytes += header
        for (_, tensor) in tensors { appendScalars(tensor.scalars, dtype: dtype, to: &bytes) }
        return bytes
    }

    /// Writes a safetensors file atomically.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], dtype: SafetensorsDType = .f32,
                             metadata: [String: String] = [:], to path: String) throws(SafetensorsError) {
        do { try AtomicFile.write(encode(tensors, dtype: dtype, metadata: metadata), to: path) } catch { throw .file(error) }
    }

    static func decodeScalars(_ bytes: [UInt8], from start: Int, count: Int, dtype: SafetensorsDType) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                switch dtype {
                case .f32: out[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self).littleEndian)
                case .f16: out[i] = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self).littleEndian))
                case .bf16: out[i] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self).littleEndian) << 16)
                }
            }
        }
        return out
    }

    static func appendScalars(_ scalars: [Float], dtype: SafetensorsDType, to bytes: inout [UInt8]) {
        for v in scalars {
            switch dtype {
            case .f32:
                let bits = v.bitPattern
                for k in 0..<4 { bytes.append(UInt8((bits >> (8 * UInt32(k))) & 0xFF)) }
            case .f16:
                let bits = Float16(v).bitPattern
                bytes.append(UInt8(bits & 0xFF)); bytes.append(UInt8(bits >> 8))
            case .bf16:
                let bits = bfloat16Bits(v)
                bytes.append(UInt8(bits & 0xFF)); bytes.append(UInt8(bits >> 8))
            }
        }
    }

    /// Round-to-nearest-even truncation of a float32 to bfloat16 (NaN stays NaN).
    static func bfloat16Bits(_ v: Float) -> UInt16 {
        if v.isNaN { return 0x7FC0 }
        let bits = v.bitPattern
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

extension Module {
    /// Every parameter's value under its name, in order.
    public var parameterTensors: [(name: String, tensor: Tensor)] { namedParameters.map { ($0.name, $0.variable.value) } }

    /// Loads every parameter from `archive` (names prefixed by `prefix`), checking each shape; on
    /// any error nothing is changed.
    /// Loads every parameter from the tensors named `prefix` + its name; strict both ways: a missing
    /// tensor and a tensor under `prefix` that no parameter takes are errors (a forgotten parameter
    /// would otherwise be silently neither trained nor saved).
    public func load(from archive: SafetensorsArchive, prefix: String = "") throws(SafetensorsError) {
        var values: [Tensor] = []
        for (name, variable) in namedParameters {
            values.append(try archive.tensor(prefix + name, shape: variable.shape))
        }
        let used = Set(namedParameters.map { prefix + $0.name })
        let unused = archive.tensors.keys.filter { $0.hasPrefix(prefix) && !used.contains($0) }.sorted()
        if !unused.isEmpty { throw .unusedTensors(path: archive.path, names: unused) }
        for ((_, variable), value) in zip(namedParameters, values) { variable.assign(value) }
    }
}
