import Foundation
import Imaging
import Testing

@Suite struct JPEGTests {
    @Test func roundTripErrorIsBounded() throws {
        let image = smoothImage().quantized()
        let high = try JPEGCodec.decode(try JPEGCodec.encode(image, quality: 95))
        let low = try JPEGCodec.decode(try JPEGCodec.encode(image, quality: 30))
        #expect(high.width == image.width && high.height == image.height)
        #expect(meanAbsDifference(high.samples, image.samples) < 1.5 / 255)
        #expect(maxAbsDifference(high.samples, image.samples) < 12 / 255)
        // Lower quality, larger error: the quality setting reaches the encoder.
        #expect(meanAbsDifference(low.samples, image.samples) > meanAbsDifference(high.samples, image.samples))
    }

    @Test func decodingMatchesPillow() throws {
        // Pillow decoded the same file (libjpeg-turbo, ISLOW, fancy upsampling) to a lossless PNG.
        let ours = try ImageFile.read(Fixture.path("astronaut_q75.jpg"))
        let pillow = try ImageFile.read(Fixture.path("astronaut_q75_decoded.png"))
        #expect(maxAbsDifference(ours.samples, pillow.samples) <= 1.01 / 255)
    }

    @Test func greyJPEGBecomesRGB() throws {
        // A JPEG of a grey image decodes with three equal channels.
        var image = smoothImage()
        for i in 0..<image.planeSize { image.samples[image.planeSize + i] = image.samples[i]; image.samples[2 * image.planeSize + i] = image.samples[i] }
        let decoded = try JPEGCodec.decode(try JPEGCodec.encode(image, quality: 90, subsampling: .s444))
        let p = decoded.planeSize
        #expect(maxAbsDifference(Array(decoded.samples[0..<p]), Array(decoded.samples[p..<(2 * p)])) <= 2 / 255)
    }
}
