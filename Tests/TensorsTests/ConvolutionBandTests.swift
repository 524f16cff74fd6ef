import Testing
@testable import Tensors

/// A convolution whose unfolded columns would pass `maximumColumnFloats` is computed a band of
/// output rows at a time; it must equal the direct sum.
@Suite struct ConvolutionBandTests {
    @Test func bandedConvolutionEqualsTheDirectSum() {
        // 45 channels × 9×9 taps × 100×100 outputs = 36.5 M floats: above the 32 M limit, so banded.
        let (c, h, w, k, pad) = (45, 100, 100, 9, 4)
        let g = ConvolutionGeometry(channels: c, height: h, width: w, kernelHeight: k, kernelWidth: k, stride: 1, padding: pad)
        #expect(g.patchSize * g.outputPlane > maximumColumnFloats)
        var generator = SeededGenerator(seed: 7)
        let x = Tensor(shape: [1, c, h, w], scalars: (0..<(c * h * w)).map { _ in Float.random(in: -1...1, using: &generator) })
        let weight = Tensor(shape: [2, c, k, k], scalars: (0..<(2 * c * k * k)).map { _ in Float.random(in: -0.1...0.1, using: &generator) })
        let bias = Tensor(shape: [2], scalars: [0.25, -0.5])
        let y = Tensor.conv2d(x, weight: weight, bias: bias, stride: 1, padding: pad)
        #expect(y.shape == [1, 2, 100, 100])
        // The direct sum at positions in the first, middle and last bands and on the borders.
        for (o, oy, ox) in [(0, 0, 0), (1, 0, 99), (0, 50, 37), (1, 91, 91), (0, 92, 3), (1, 99, 99), (0, 99, 0)] {
            var sum = Double(bias.scalars[o])
            for ci in 0..<c {
                for i in 0..<k {
                    for j in 0..<k {
                        let (iy, ix) = (oy - pad + i, ox - pad + j)
                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                        sum += Double(weight.scalars[((o * c + ci) * k + i) * k + j]) * Double(x.scalars[(ci * h + iy) * w + ix])
                    }
                }
            }
            #expect(abs(Double(y.scalars[(o * 100 + oy) * 100 + ox]) - sum) < 1e-4, "output \(o), \(oy), \(ox)")
        }
    }
}
