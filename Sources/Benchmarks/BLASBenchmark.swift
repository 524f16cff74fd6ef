import COpenBLAS
import Tensors

/// OpenBLAS as dnr runs it: the kernel set, sgemm's speed, and its accuracy against a plain
/// double-precision product (a kernel set the CPU runs wrongly shows here, not as a bad model).
public enum BLASBenchmark {
    public struct Report: Sendable {
        public var core: String
        public var gflops: Double
        /// Largest |sgemm − reference| over the checked product, relative to the largest |reference|.
        public var relativeError: Double
    }

    /// Times an n³ sgemm (best of five after two warm-ups) and checks a `checkSize`³ product in full.
    public static func run(size n: Int = 1024, checkSize: Int = 192, log: (String) -> Void) -> Report {
        let r = Report(core: BLASCore.summary, gflops: sgemmGFLOPs(size: n), relativeError: sgemmRelativeError(size: checkSize))
        log("OpenBLAS core: \(r.core)")
        log("sgemm \(n)³: \(String(format: "%.0f", r.gflops)) GFLOP/s")
        log("sgemm \(checkSize)³ against a double-precision reference: relative max error \(String(format: "%.2e", r.relativeError))")
        return r
    }

    public static func sgemmGFLOPs(size n: Int = 1024) -> Double {
        let a = [Float](repeating: 1, count: n * n), b = [Float](repeating: 0.5, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        let t = measure(warmup: 2, runs: 5) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
        }
        return 2 * Double(n * n * n) / t.minimum / 1e9
    }

    /// C = αA·Bᵀ + βC on random data (transposed B and β ≠ 0 exercise more of the kernels).
    public static func sgemmRelativeError(size n: Int) -> Double {
        var g = SeededGenerator(seed: 5)
        let a = g.normals(count: n * n), b = g.normals(count: n * n), c0 = g.normals(count: n * n)
        var c = c0
        let alpha: Float = 0.75, beta: Float = 0.5
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(n), alpha, a, Int32(n), b, Int32(n), beta, &c, Int32(n))
        var worst = 0.0, scale = 0.0
        for i in 0..<n {
            for j in 0..<n {
                var sum = 0.0
                for k in 0..<n { sum += Double(a[i * n + k]) * Double(b[j * n + k]) }
                let expected = Double(alpha) * sum + Double(beta) * Double(c0[i * n + j])
                worst = max(worst, abs(Double(c[i * n + j]) - expected))
                scale = max(scale, abs(expected))
            }
        }
        return worst / max(scale, 1e-30)
    }
}
