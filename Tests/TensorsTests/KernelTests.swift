import CKernels
import Foundation
import Tensors
import Testing

/// The multi-versioned C kernels against plain references, on whichever variant this CPU gets.
@Suite struct KernelTests {
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
