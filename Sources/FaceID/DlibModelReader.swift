import Foundation

/// Why one of dlib's model files (the recognizer, the face detector, the landmark predictor) could
/// not be used; one line each.
public enum DlibModelError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadable(path: String, reason: String)
    case wrongChecksum(path: String, file: String, expected: String, found: String)
    case truncated(path: String, offset: Int)
    case malformed(path: String, offset: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .wrongChecksum(let path, let file, let expected, let found):
            "\(path): not \(file) (sha256 \(found.prefix(16))…, expected \(expected.prefix(16))…); the file is wrong or altered"
        case .truncated(let path, let offset): "\(path): the model file ends early (at byte \(offset)); it is truncated"
        case .malformed(let path, let offset, let reason): "\(path): malformed model file at byte \(offset): \(reason)"
        }
    }
}

/// Reads the primitives of dlib's serialisation format (see docs: face-recognizer-spec §5.1).
package struct DlibReader {
    package let bytes: [UInt8]
    package let path: String
    package private(set) var offset = 0

    package init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    package var atEnd: Bool { offset == bytes.count }

    package mutating func byte() throws(DlibModelError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(path: path, offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    package func malformed(_ reason: String) -> DlibModelError { .malformed(path: path, offset: offset, reason: reason) }

    /// Control byte (sign in bit 7, byte count in bits 0–3), then the little-endian magnitude.
    package mutating func signed() throws(DlibModelError) -> Int {
        let control = try byte()
        let count = Int(control & 0x0F)
        guard (1...8).contains(count), control & 0x70 == 0 else { throw malformed("bad integer control byte 0x\(String(control, radix: 16))") }
        var magnitude: UInt64 = 0
        for i in 0..<count { magnitude |= UInt64(try byte()) << (8 * UInt64(i)) }
        guard magnitude <= UInt64(Int.max) else { throw malformed("integer out of range") }
        return control & 0x80 != 0 ? -Int(magnitude) : Int(magnitude)
    }

    package mutating func unsigned() throws(DlibModelError) -> Int {
        let value = try signed()
        guard value >= 0 else { throw malformed("negative value where an unsigned integer was expected") }
        return value
    }

    package mutating func string() throws(DlibModelError) -> String {
        let length = try unsigned()
        guard length <= 256 else { throw malformed("string length \(length) is implausible") }
        guard offset + length <= bytes.count else { throw .truncated(path: path, offset: bytes.count) }
        defer { offset += length }
        return String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
    }

    package mutating func bool() throws(DlibModelError) -> Bool {
        switch try byte() {
        case UInt8(ascii: "1"): return true
        case UInt8(ascii: "0"): return false
        default: throw malformed("expected a '0' or '1' boolean")
        }
    }

    /// dlib's portable real: mantissa and exponent as signed integers, value = m·2^e.
    package mutating func real() throws(DlibModelError) -> Double {
        let mantissa = try signed(), exponent = try signed()
        switch exponent {
        case 32000: return .infinity
        case 32001: return -.infinity
        case 32002: return .nan
        default: return Double(mantissa) * pow(2.0, Double(exponent))
        }
    }

    /// A resizable tensor: version 2, four dimensions, then raw little-endian float32 values.
    package mutating func tensor() throws(DlibModelError) -> (shape: [Int], values: [Float]) {
        guard try signed() == 2 else { throw malformed("tensor version must be 2") }
        let shape = try dimensions()
        let count = shape.reduce(1, *)
        guard offset + 4 * count <= bytes.count else { throw .truncated(path: path, offset: bytes.count) }
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                values[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self).littleEndian)
            }
        }
        offset += 4 * count
        return (shape, values)
    }

    /// A shape without data: version 1, then four dimensions.
    package mutating func aliasTensor() throws(DlibModelError) -> [Int] {
        guard try signed() == 1 else { throw malformed("alias tensor version must be 1") }
        return try dimensions()
    }

    /// A tensor's four dimensions: each non-negative and bounded first, then their product, so that
    /// no product of them can overflow (fuzzed files trapped on a tensor's and on an alias's).
    mutating func dimensions() throws(DlibModelError) -> [Int] {
        let shape = [try signed(), try signed(), try signed(), try signed()]
        guard shape.allSatisfy({ $0 >= 0 }) else { throw malformed("negative tensor dimension \(shape)") }
        guard shape.allSatisfy({ $0 <= 64_000_000 }) else { throw malformed("tensor dimension in \(shape) is implausible") }
        let count = shape.reduce(1) { product, d in product > 64_000_000 ? product : product * d }
        guard count <= 64_000_000 else { throw malformed("tensor of shape \(shape) is implausible") }
        return shape
    }
}
