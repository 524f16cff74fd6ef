import Foundation
import Imaging
import TestSupport
import Testing

@Suite struct PNGTests {
    @Test(arguments: ["grey1", "grey8", "grey16", "rgb8", "rgb16", "palette", "palette_trns", "grey_alpha", "rgba8", "interlaced"])
    func colourTypeIsConverted(name: String) throws {
        let expected = try #require((try Fixture.json("png/expected.json") as? [String: Any])?[name])
        let image = try ImageFile.read(Fixture.path("png/\(name).png"))
        // Alpha is composited over white in the 0…1 encoding; 16-bit samples are divided by 65535.
        #expect(maxAbsDifference(image.samples, floats(expected)) < 1e-6)
    }

    @Test func eightBitRoundTripIsBitExact() throws {
        let image = smoothImage().quantized()
        let decoded = try PNGCodec.decode(try PNGCodec.encode(image)).0
        #expect(decoded.samples == image.samples)
    }

    @Test func sixteenBitRoundTripIsBitExact() throws {
        let image = smoothImage().quantized(levels: 65535)
        let (decoded, info) = try PNGCodec.decode(try PNGCodec.encode(image, bitDepth: 16))
        #expect(info.bitDepth == 16)
        #expect(decoded.samples == image.samples)
    }

    @Test func fileRoundTripThroughDisk() throws {
        let folder = try scratchFolder()
        let image = smoothImage(width: 17, height: 9).quantized()
        try ImageFile.write(image, to: folder + "/a.png")
        #expect(try ImageFile.read(folder + "/a.png") == image)
        // The write is atomic: no temporary file is left beside the output.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["a.png"])
    }
}
