import COpenBLAS

/// C = op(A)·op(B) (+ C when `accumulate`), row-major, through OpenBLAS. `countedOperations`
/// replaces 2·m·n·k in a `FLOPCounter` (a fast algorithm counts the direct method's operations).
@inline(__always)
func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
          m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false, accumulate: Bool = false,
          outputRowStride: Int? = nil, countedOperations: Int? = nil) {
    // OpenBLAS 0.3.21 runs products with m·n·k ≥ 2¹⁸ on its threads (65 536 × its multithread
    // threshold 4); the engine's spinning workers make way for them.
    if m * n * k >= 1 << 18 && openblas_get_num_threads() > 1 { WorkerPool.shared.park() }
    FLOPCounter.product(countedOperations ?? 2 * m * n * k) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
                    accumulate ? 1 : 0, c, Int32(outputRowStride ?? n))
    }
}

extension Tensor {
    /// Batched matrix product of [..., M, K] and [..., K, N] (either optionally transposed in its
    /// last two dimensions); batch dimensions must match, or one side may have none.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transposeA ? (ac, ar) : (ar, ac)
        let (k2, n) = transposeB ? (bc, br) : (br, bc)
        precondition(k == k2, "matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        precondition(batchA == batchB || batchA.isEmpty || batchB.isEmpty, "matmul batch dimensions differ: \(batchA) vs \(batchB)")
        let batch = batchA.isEmpty ? batchB : batchA
        let count = batch.reduce(1, *)
        var out = uninitializedFloats(count * m * n)
        a.scalars.withUnsafeBufferPointer { x in
            b.scalars.withUnsafeBufferPointer { y in
                out.withUnsafeMutableBufferPointer { z in
                    for i in 0..<count {
                        gemm(x.baseAddress! + (batchA.isEmpty ? 0 : i * m * k), y.baseAddress! + (batchB.isEmpty ? 0 : i * k * n),
                             z.baseAddress! + i * m * n, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
                    }
                }
            }
        }
        return Tensor(shape: batch + [m, n], scalars: out)
    }
}

/// Batched matrix product with gradients; see `Tensor.matmul`.
public func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false) -> Variable {
    let (x, y) = (a.value, b.value)
    return record(Tensor.matmul(x, y, transposeA: transposeA, transposeB: transposeB), [a, b]) { g in
        // d(op(A)) = G·op(B)ᵀ, d(op(B)) = op(A)ᵀ·G; then undo the transposes and any batch broadcast.
        var ga: Tensor? = nil, gb: Tensor? = nil
        if a.requiresGradient {
            ga = transposeA ? Tensor.matmul(y, g, transposeA: transposeB, transposeB: true)
                            : Tensor.matmul(g, y, transposeA: false, transposeB: !transposeB)
            if ga!.shape != x.shape { ga = ga!.reshaped([-1] + Array(x.shape.suffix(2))).summedOverFirst().reshaped(x.shape) }
        }
        if b.requiresGradient {
            gb = transposeB ? Tensor.matmul(g, x, transposeA: true, transposeB: transposeA)
                            : Tensor.matmul(x, g, transposeA: !transposeA, transposeB: false)
            if gb!.shape != y.shape { gb = gb!.reshaped([-1] + Array(y.shape.suffix(2))).summedOverFirst().reshaped(y.shape) }
        }
        return [ga, gb]
    }
}

extension Tensor {
    func summedOverFirst() -> Tensor {
        summed(toShape: [1] + Array(shape.dropFirst()))
    }
}

/// y = x·Wᵀ + b for x of shape [N, in], W of shape [out, in] (PyTorch's layout), b of shape [out].
public func linear(_ x: Variable, weight: Variable, bias: Variable?) -> Variable {
    precondition(x.shape.count == 2 && x.shape[1] == weight.shape[1],
                 "linear: input \(x.shape) does not match weight \(weight.shape)")
    let y = matmul(x, weight, transposeB: true)
    return bias.map { y + $0 } ?? y
}

extension Variable {
    /// Softmax over the last dimension.
    public func softmax() -> Variable {
        let n = shape.last!
        let rows = value.count / n
        var out = uninitializedFloats(value.count)
        value.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                for r in 0..<rows {
                    let base = r * n
                    var top = -Float.infinity
                    for i in 0..<n { top = Swift.max(top, x[base + i]) }
                    var total: Float = 0
                    for i in 0..<n { let e = expf(x[base + i] - top); y[base + i] = e; total += e }
                    let inv = 1 / total
                    for i in 0..<n { y[base + i] *= inv }
                }
            }
        }
        let result = Tensor(shape: shape, scalars: out)
        return record(result, [self]) { g in
            var dx = [Float](repeating: 0, count: g.count)
            for r in 0..<rows {
                let base = r * n
                var dot: Float = 0
                for i in 0..<n { dot += g.scalars[base + i] * result.scalars[base + i] }
                for i in 0..<n { dx[base + i] = result.scalars[base + i] * (g.scalars[base + i] - dot) }
            }
            return [Tensor(shape: g.shape, scalars: dx)]
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
