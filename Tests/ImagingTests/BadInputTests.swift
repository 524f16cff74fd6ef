import Foundation
import Imaging
import TestSupport
import Testing

/// Builds PNG bytes whose IHDR claims `width`×`height`, followed by an empty IDAT and IEND, with
/// correct CRCs so that only the header's values are wrong.
func pngWithHeader(width: UInt32, height: UInt32) -> [UInt8] {
    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        let length = UInt32(data.count)
        return bigEndian(length) + typeBytes + data + bigEndian(crc32(typeBytes + data))
    }
    let ihdr = bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]
    return PNGCodec.signature + chunk("IHDR", ihdr) + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
}

func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }

func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}

/// Reading `path` fails as a corrupt file of `format`, whatever the decoder's exact words.
func expectCorrupt(_ path: String, format: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(sourceLocation: sourceLocation) {
        try ImageFile.read(path)
    } throws: { error in
        guard case .corrupt(_, let found, _) = error as? ImageError else { return false }
        return found == format
    }
}

@Suite struct BadInputTests {
    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = try scratchFolder() + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func missingFile() {
        #expect(throws: ImageError.notFound(path: "/no/such/file.png")) { try ImageFile.read("/no/such/file.png") }
    }

    @Test func folderInsteadOfFile() throws {
        let folder = try scratchFolder()
        #expect(throws: ImageError.unreadable(path: folder, reason: "is a folder, not a file")) { try ImageFile.read(folder) }
    }

    @Test func nonImage() throws {
        let path = try write(Array("just some text\n".utf8), "notes.png")
        #expect(throws: ImageError.notAnImage(path: path)) { try ImageFile.read(path) }
    }

    @Test func emptyFile() throws {
        let path = try write([], "empty.png")
        #expect(throws: ImageError.unreadable(path: path, reason: "the file is empty")) { try ImageFile.read(path) }
    }

    @Test func truncatedPNG() throws {
        let full = try PNGCodec.encode(smoothImage())
        let path = try write(Array(full.prefix(full.count / 2)), "cut.png")
        #expect(throws: ImageError.corrupt(path: path, format: "PNG", reason: "truncated PNG data")) { try ImageFile.read(path) }
    }

    @Test func pngWithBadCRC() throws {
        var bytes = try PNGCodec.encode(smoothImage())
        bytes[bytes.count - 20] ^= 0xFF  // inside the last IDAT
        let path = try write(bytes, "crc.png")
        expectCorrupt(path, format: "PNG")
    }

    @Test func zeroSizePNGHeader() throws {
        let path = try write(pngWithHeader(width: 0, height: 0), "zero.png")
        #expect(throws: ImageError.emptyImage(path: path)) { try ImageFile.read(path) }
    }

    @Test func hugePNGHeaderIsRefusedBeforeAllocating() throws {
        let path = try write(pngWithHeader(width: 50_000, height: 50_000), "huge.png")
        #expect(throws: ImageError.tooLarge(path: path, width: 50_000, height: 50_000, limit: "16384 px per side")) {
            try ImageFile.read(path)
        }
        // Within the side limit but over the pixel count: the message names the pixel limit.
        let wide = try write(pngWithHeader(width: 16_000, height: 16_000), "wide.png")
        #expect(throws: ImageError.tooLarge(path: wide, width: 16_000, height: 16_000, limit: "64 Mpx (67108864 pixels)")) {
            try ImageFile.read(wide)
        }
    }

    @Test func corruptJPEG() throws {
        var bytes = try JPEGCodec.encode(smoothImage(), quality: 90)
        for i in 20..<min(bytes.count, 400) { bytes[i] = 0x5A }  // tables destroyed, signature kept
        let path = try write(bytes, "bad.jpg")
        expectCorrupt(path, format: "JPEG")
    }

    @Test func truncatedJPEG() throws {
        let bytes = try JPEGCodec.encode(smoothImage(), quality: 90)
        let path = try write(Array(bytes.prefix(bytes.count * 2 / 3)), "cut.jpg")
        expectCorrupt(path, format: "JPEG")
    }

    @Test func hugeJPEGHeader() throws {
        var bytes = try JPEGCodec.encode(smoothImage(), quality: 90)
        // Rewrite the SOF0 frame header's height and width to 50000.
        let sof = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 5] = 0xC3; bytes[sof + 6] = 0x50
        bytes[sof + 7] = 0xC3; bytes[sof + 8] = 0x50
        let path = try write(bytes, "huge.jpg")
        #expect(throws: ImageError.tooLarge(path: path, width: 50_000, height: 50_000, limit: "16384 px per side")) {
            try ImageFile.read(path)
        }
    }

    @Test func zeroSizeJPEGHeader() throws {
        var bytes = try JPEGCodec.encode(smoothImage(), quality: 90)
        let sof = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 5] = 0; bytes[sof + 6] = 0
        let path = try write(bytes, "zero.jpg")
        #expect {
            try ImageFile.read(path)
        } throws: { error in
            switch error as? ImageError {
            case .emptyImage?, .corrupt(_, "JPEG", _)?: return true
            default: return false
            }
        }
    }

    @Test func unwritableOutputLeavesNothing() throws {
        let folder = try scratchFolder()
        let blocker = folder + "/file"
        try Data([1]).write(to: URL(fileURLWithPath: blocker))
        #expect(throws: ImageError.writeFailed(path: blocker + "/out.png", reason: "cannot write: Not a directory")) {
            try ImageFile.write(smoothImage(), to: blocker + "/out.png")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["file"])
    }

    @Test func unknownOutputExtension() throws {
        let folder = try scratchFolder()
        #expect(throws: ImageError.unsupportedOutputFormat(path: folder + "/x.gif")) {
            try ImageFile.write(smoothImage(), to: folder + "/x.gif")
        }
    }
}
