import CLibCrypto

/// SHA-256 through the system's libcrypto (OpenSSL), which every model-file check uses.
public enum Checksum {
    /// The SHA-256 of `bytes`, as 64 lowercase hex digits.
    public static func sha256(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_sha256(), nil) }
        precondition(ok == 1 && length == 32, "libcrypto's SHA-256 failed")
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.prefix(32).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
    }
}
