import Foundation
import Imaging
import Restoration
import Tensors
import Testing

/// The fixed facial regions sit where the chip's alignment puts the eyes, the nose and the mouth.
@Suite struct FacialRegionsTests {
    /// On the mean of 3000 training chips (64 px), the eyes with their brows and the mouth are darker
    /// than the band of cheek and forehead skin beside them; each box holds the darkest rows of its
    /// strip, so a box shifted off its feature would fail.
    @Test func theBoxesHoldTheMeanFacesFeatures() throws {
        let path = Bundle.module.path(forResource: "Fixtures", ofType: nil)! + "/mean-train-face-64.png"
        let face = try ImageFile.read(path)
        let r = face.width
        func luminance(_ x: Int, _ y: Int) -> Float {
            let p = r * r
            return 0.299 * face.samples[y * r + x] + 0.587 * face.samples[p + y * r + x] + 0.114 * face.samples[2 * p + y * r + x]
        }
        func pixels(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float) -> (xs: Range<Int>, ys: Range<Int>) {
            (Int(x0 * Float(r))..<Int(x1 * Float(r)), Int(y0 * Float(r))..<Int(y1 * Float(r)))
        }
        func mean(_ xs: Range<Int>, _ ys: Range<Int>) -> Float {
            var sum: Float = 0
            for y in ys { for x in xs { sum += luminance(x, y) } }
            return sum / Float(xs.count * ys.count)
        }
        let boxes = Dictionary(uniqueKeysWithValues: FacialRegions.boxes.map { ($0.name, $0) })
        // The darkest row of the box's columns, between the forehead and the nose's tip (eyes) or between the
        // nose's tip and the chin (mouth), lies inside the box.
        for (name, from, to) in [("left eye", Float(0.12), Float(0.55)), ("right eye", 0.12, 0.55), ("mouth", 0.55, 0.9)] {
            let b = try #require(boxes[name])
            let (xs, ys) = pixels(b.x0, b.y0, b.x1, b.y1)
            let strip = Int(from * Float(r))..<Int(to * Float(r))
            let darkest = strip.min { mean(xs, $0..<$0 + 1) < mean(xs, $1..<$1 + 1) }!
            #expect(ys.contains(darkest), "\(name): darkest row \(darkest) outside rows \(ys)")
        }
        // The nose box is centred on the face's axis of symmetry (the mean face is symmetric).
        let nose = try #require(boxes["nose"])
        #expect(abs((nose.x0 + nose.x1) / 2 - 0.5) < 0.02)
        // The mask marks a reasonable share of the chip: more than the eyes alone, far less than the face.
        let mask = FacialRegions.mask(resolution: r)
        let coverage = mask.sum() / Float(mask.count)
        #expect(coverage > 0.12 && coverage < 0.25, "\(coverage)")
    }
}

@Suite struct MaskStatisticsTests {
    /// Regions are 8-connected: pixels touching at a corner are one region, a gap of one pixel splits.
    @Test func regionsAreEightConnectedAndCoverageIsTheShareMarked() {
        var mask = Tensor(zeros: [1, 1, 8, 8])
        for (y, x) in [(0, 0), (1, 1), (2, 2),  // one diagonal stroke
                       (0, 5), (0, 6), (1, 5),  // a blob
                       (5, 5), (7, 7),          // two single pixels one apart diagonally with a gap
                       (7, 0)] { mask.scalars[y * 8 + x] = 1 }
        let s = MaskStatistics(mask)
        #expect(s.regions == 5)
        #expect(s.coverage == 9.0 / 64)
        #expect(MaskStatistics(Tensor(zeros: [1, 1, 8, 8])) == MaskStatistics(coverage: 0, regions: 0))
    }
}
