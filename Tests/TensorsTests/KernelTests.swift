import CKernels
import Foundation
import Tensors
import Testing

/// The multi-versioned C kernels against plain references, on whichever variant this CPU gets.
@Suite struct KernelTests {
    /// Max pooling (Variable.maxPooled on dnr_max_pool_plane) against windows scanned by hand, with
    /// padding, ties (values drawn from a few levels) and the gradient routed to each window's first winner.
    @Test func maxPoolingMatchesAPlainScan() {
        var generator = SeededGenerator(seed: 5)
        for (size, stride, padding, h, w) in [(3, 2, 1, 9, 7), (2, 2, 0, 8, 8), (3, 1, 1, 5, 6), (3, 2, 0, 11, 11)] {
            let (n, c) = (2, 3)
            let x = Tensor(shape: [n, c, h, w], scalars: (0..<(n * c * h * w)).map { _ in Float(Int.random(in: 0...4, using: &generator)) })
            let input = Variable(x, requiresGradient: true)
            let pooled = input.maxPooled(size: size, stride: stride, padding: padding)
            let (oh, ow) = ((h + 2 * padding - size) / stride + 1, (w + 2 * padding - size) / stride + 1)
            #expect(pooled.shape == [n, c, oh, ow])
            let upstream = Tensor(shape: pooled.shape, scalars: (0..<pooled.value.count).map { Float($0 % 7 + 1) })
            pooled.backward(seed: upstream)
            var expected = [Float](repeating: 0, count: pooled.value.count), gradient = [Float](repeating: 0, count: x.count)
            for p in 0..<(n * c) {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var best = -Float.infinity, at = -1
                        for i in 0..<size {
                            for j in 0..<size {
                                let (iy, ix) = (oy * stride - padding + i, ox * stride - padding + j)
                                guard (0..<h).contains(iy) && (0..<w).contains(ix) else { continue }
                                let k = p * h * w + iy * w + ix
                                if at < 0 || x.scalars[k] > best { (best, at) = (x.scalars[k], k) }
                            }
                        }
                        let o = (p * oh + oy) * ow + ox
                        expected[o] = best
                        gradient[at] += upstream.scalars[o]
                    }
                }
            }
            #expect(pooled.value.scalars == expected, "size \(size) stride \(stride) padding \(padding)")
            #expect(input.gradient!.scalars == gradient)
        }
    }

    /// ReLU (Variable.relu on dnr_relu and dnr_relu_backward) against max(x, 0) and its mask, at sizes
    /// with vector tails and with the parallel chunks' split, zeros and negative zeros included.
    @Test func reluMatchesItsDefinition() {
        var generator = SeededGenerator(seed: 8)
        for count in [1, 17, 100_003] {
            let scalars = (0..<count).map { i -> Float in i % 5 == 0 ? (i % 10 == 0 ? 0 : -0.0) : Float.random(in: -1...1, using: &generator) }
            let input = Variable(Tensor(shape: [count], scalars: scalars), requiresGradient: true)
            let output = input.relu()
            let upstream = (0..<count).map { Float($0 % 9) - 4 }
            output.backward(seed: Tensor(shape: [count], scalars: upstream))
            #expect(output.value.scalars == scalars.map { $0 > 0 ? $0 : 0 })
            #expect(input.gradient!.scalars == zip(scalars, upstream).map { $0 > 0 ? $1 : 0 })
        }
    }

    @Test func expIsWithinTwoUlpOfTheReference() {
        let n = 200_001
        let xs = (0..<n).map { Float(-87 + 175 * Double($0) / Double(n - 1)) }
        var ys = [Float](repeating: 0, count: n)
        dnr_exp(xs, &ys, n)
        var worst = 0.0
        for (x, y) in zip(xs, ys) {
            let reference = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(y) - reference) / reference)
        }
        #expect(worst < 2.5e-7, "relative error \(worst) on \(String(cString: dnr_kernels_variant()))")
    }

    @Test func reductionsMatchDoublePrecisionSums() {
        var generator = SeededGenerator(seed: 11)
        for n in [1, 7, 16, 1000, 65_537] {
            let a = (0..<n).map { _ in Float.random(in: -1...1, using: &generator) }
            let b = (0..<n).map { _ in Float.random(in: -1...1, using: &generator) }
            let sum = a.reduce(0.0) { $0 + Double($1) }
            let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let mean = Float(sum / Double(n))
            let squares = a.reduce(0.0) { $0 + (Double($1) - Double(mean)) * (Double($1) - Double(mean)) }
            var s: Float = 0, d: Float = 0
            dnr_sum_and_dot(a, b, n, &s, &d)
            #expect(abs(Double(dnr_sum(a, n)) - sum) <= 1e-4 * Double(n).squareRoot() + 1e-6)
            #expect(abs(Double(s) - sum) <= 1e-4 * Double(n).squareRoot() + 1e-6 && abs(Double(d) - dot) <= 1e-4 * Double(n).squareRoot() + 1e-6)
            // Float accumulation (serial in the unoptimised debug build, in lanes otherwise): about 2e-5 relative at n = 65 537.
            #expect(abs(Double(dnr_centered_squares(a, n, mean)) - squares) <= 1e-4 * squares + 1e-6)
        }
    }

    @Test func normalizeAffineWithSiLUMatchesTheFormula() {
        let x: [Float] = (0..<37).map { Float($0) * 0.37 - 5 }
        var xhat = [Float](repeating: 0, count: 37), y = [Float](repeating: 0, count: 37)
        dnr_normalize_affine(x, 37, 1.5, 0.8, 1.7, -0.3, &xhat, &y, 1)
        for i in 0..<37 {
            let v = (Double(x[i]) - 1.5) * 0.8, z = v * 1.7 - 0.3
            #expect(abs(Double(xhat[i]) - v) < 1e-5)
            #expect(abs(Double(y[i]) - z / (1 + Foundation.exp(-z))) < 1e-5)
        }
    }
}
