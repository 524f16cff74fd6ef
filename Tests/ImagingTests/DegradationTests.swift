import Foundation
import Imaging
import Tensors
import Testing

@Suite struct DegradationTests {
    let clean = smoothImage(width: 64, height: 64).quantized()

    @Test func rangesScaleWithResolution() {
        let r64 = DegradationRanges.paper(resolution: 64)
        #expect(r64.blurSigma == 0.0125...1.25)
        #expect(r64.scale == 1...4)  // 64 / 4 = 16 px, the paper's smallest input
        #expect(r64.noiseSigma == 0...20)
        #expect(r64.jpegQuality == 30...90)
        #expect(DegradationRanges.paper(resolution: 512).scale == 1...32)
    }

    @Test func drawsStayInRangeAndCoverIt() {
        let ranges = DegradationRanges.paper(resolution: 64)
        var generator = SeededGenerator(seed: 7)
        var qualities = Set<Int>()
        var lowestScale = 4.0, highestScale = 1.0
        for _ in 0..<4000 {
            let p = ranges.draw(using: &generator)
            #expect(ranges.blurSigma.contains(p.blurSigma) && ranges.scale.contains(p.scale))
            #expect(ranges.noiseSigma.contains(p.noiseSigma) && ranges.jpegQuality.contains(p.jpegQuality))
            qualities.insert(p.jpegQuality)
            lowestScale = min(lowestScale, p.scale)
            highestScale = max(highestScale, p.scale)
        }
        #expect(qualities == Set(30...90))
        #expect(lowestScale < 1.01 && highestScale > 3.99)
    }

    @Test func sameSeedSameResultOtherSeedOtherResult() throws {
        let ranges = DegradationRanges.paper(resolution: 64)
        let (a, pa) = try Degradation.random(clean, ranges: ranges, seed: 42)
        let (b, pb) = try Degradation.random(clean, ranges: ranges, seed: 42)
        let (c, pc) = try Degradation.random(clean, ranges: ranges, seed: 43)
        #expect(a == b && pa == pb)
        #expect(a != c && pa != pc)
    }

    @Test func fixingOneParameterKeepsTheOtherDraws() throws {
        let ranges = DegradationRanges.paper(resolution: 64)
        let (_, drawn) = try Degradation.random(clean, ranges: ranges, seed: 5)
        let (_, fixed) = try Degradation.random(clean, ranges: ranges, fixed: PartialDegradation(jpegQuality: 77), seed: 5)
        #expect(fixed == DegradationParameters(blurSigma: drawn.blurSigma, scale: drawn.scale, noiseSigma: drawn.noiseSigma, jpegQuality: 77))
    }

    @Test func drawingAloneGivesTheParametersOfTheDegradation() throws {
        let ranges = DegradationRanges.paper(resolution: 64)
        for seed: UInt64 in [0, 5, 42, 1 << 40] {
            let (_, applied) = try Degradation.random(clean, ranges: ranges, seed: seed)
            #expect(Degradation.parameters(ranges: ranges, seed: seed) == applied)
        }
        let (_, fixed) = try Degradation.random(clean, ranges: ranges, fixed: PartialDegradation(scale: 2), seed: 9)
        #expect(Degradation.parameters(ranges: ranges, fixed: PartialDegradation(scale: 2), seed: 9) == fixed)
    }

    @Test func noiseHasTheRequestedSigma() {
        let grey = RGBImage(width: 128, height: 128, fill: (0.5, 0.5, 0.5))
        var generator = SeededGenerator(seed: 3)
        let noisy = Degradation.addNoise(to: grey, sigma: 12, using: &generator)
        let values = noisy.samples.map { Double($0) * 255 }
        let mean = values.reduce(0, +) / Double(values.count)
        let sigma = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
        // 49,152 samples: the standard error of σ is about 0.3 %.
        #expect(abs(mean - 127.5) < 0.2)
        #expect(abs(sigma - 12) < 0.12, "measured σ \(sigma)")
        // Channels get independent noise.
        let p = grey.planeSize
        let r = (0..<p).map { values[$0] - mean }, g = (0..<p).map { values[p + $0] - mean }
        let correlation = zip(r, g).reduce(0) { $0 + $1.0 * $1.1 } / (Double(p) * sigma * sigma)
        #expect(abs(correlation) < 0.03)
    }

    @Test func noiseSurvivesTheWholePipeline() throws {
        // Noise, then JPEG at q = 100: the degraded grey image's spread is close to the noise's
        // (4:2:0 chroma averaging removes part of the colour noise, so allow a band).
        let grey = RGBImage(width: 128, height: 128, fill: (0.5, 0.5, 0.5))
        var generator = SeededGenerator(seed: 3)
        let out = try Degradation.apply(DegradationParameters(blurSigma: 0, scale: 1, noiseSigma: 12, jpegQuality: 100), to: grey, noise: &generator)
        let values = out.samples.map { Double($0) * 255 }
        let mean = values.reduce(0, +) / Double(values.count)
        let sigma = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
        #expect(sigma > 7 && sigma < 12.5, "σ after JPEG \(sigma)")
    }

    @Test func normalDrawsHaveUnitVariance() {
        var generator = SeededGenerator(seed: 11)
        let values = generator.normals(count: 200_000, mean: 0, standardDeviation: 3)
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        #expect(abs(mean) < 0.03)
        #expect(abs(variance.squareRoot() - 3) < 0.03)
    }

    @Test func lowerQualityLosesMore() throws {
        func error(q: Int) throws -> Float {
            var g = SeededGenerator(seed: 1)
            let out = try Degradation.apply(DegradationParameters(blurSigma: 0, scale: 1, noiseSigma: 0, jpegQuality: q), to: clean, noise: &g)
            return meanAbsDifference(out.samples, clean.samples)
        }
        let e30 = try error(q: 30), e60 = try error(q: 60), e90 = try error(q: 90)
        #expect(e30 > e60 && e60 > e90)
    }

    @Test func jpegStepIsARealJPEGRoundTrip() throws {
        var g = SeededGenerator(seed: 1)
        let out = try Degradation.apply(DegradationParameters(blurSigma: 0, scale: 1, noiseSigma: 0, jpegQuality: 50), to: clean, noise: &g)
        let reference = try JPEGCodec.decode(try JPEGCodec.encode(clean, quality: 50))
        #expect(out == reference)
    }

    @Test func downscaleLosesDetailAndKeepsSize() throws {
        var g = SeededGenerator(seed: 1)
        let mild = try Degradation.apply(DegradationParameters(blurSigma: 0, scale: 1.5, noiseSigma: 0, jpegQuality: 95), to: clean, noise: &g)
        let severe = try Degradation.apply(DegradationParameters(blurSigma: 0, scale: 4, noiseSigma: 0, jpegQuality: 95), to: clean, noise: &g)
        #expect(severe.width == 64 && severe.height == 64)
        #expect(meanAbsDifference(severe.samples, clean.samples) > meanAbsDifference(mild.samples, clean.samples))
    }
}
