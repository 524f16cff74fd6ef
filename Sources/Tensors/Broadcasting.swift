import CKernels

/// NumPy broadcasting: shapes are aligned at the right; a dimension of 1 stretches.
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    let rank = max(a.count, b.count)
    let pa = [Int](repeating: 1, count: rank - a.count) + a
    let pb = [Int](repeating: 1, count: rank - b.count) + b
    return (0..<rank).map { i in
        precondition(pa[i] == pb[i] || pa[i] == 1 || pb[i] == 1, "shapes \(a) and \(b) do not broadcast")
        return max(pa[i], pb[i])
    }
}

/// How one operand is read while iterating over an output shape: dimensions merged where the
/// layout allows, with stride 0 along broadcast dimensions.
struct BroadcastLoop {
    var sizes: [Int]       // collapsed output dimensions
    var strides: [[Int]]   // per operand, per collapsed dimension

    init(output: [Int], operands: [[Int]]) {
        let rank = output.count
        var strides = operands.map { shape -> [Int] in
            let padded = [Int](repeating: 1, count: rank - shape.count) + shape
            var s = [Int](repeating: 0, count: rank)
            var step = 1
            for i in stride(from: rank - 1, through: 0, by: -1) {
                s[i] = padded[i] == 1 && output[i] != 1 ? 0 : step
                step *= padded[i]
            }
            return s
        }
        // Merge dimension i into i−1 when every operand continues contiguously (or stays broadcast).
        var sizes = output
        var i = sizes.count - 1
        while i > 0 {
            let mergeable = strides.allSatisfy { $0[i - 1] == $0[i] * sizes[i] }
            if mergeable {
                sizes[i - 1] *= sizes[i]
                sizes.remove(at: i)
                for k in strides.indices { strides[k].remove(at: i - 1) }
            }
            i -= 1
        }
        if sizes.isEmpty { sizes = [1]; strides = strides.map { _ in [0] } }
        self.sizes = sizes
        self.strides = strides
    }

    /// Calls `body(offsets, innerStrides, length)` for every innermost row, in output order.
    @inline(__always)
    func forEachRow(_ body: (_ offsets: [Int], _ inner: [Int], _ length: Int) -> Void) {
        let rank = sizes.count
        let length = sizes[rank - 1]
        let inner = strides.map { $0[rank - 1] }
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var offsets = [Int](repeating: 0, count: strides.count)
        let rows = sizes.dropLast().reduce(1, *)
        for _ in 0..<rows {
            body(offsets, inner, length)
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                for k in offsets.indices { offsets[k] += strides[k][d] }
                if index[d] < sizes[d] { break }
                for k in offsets.indices { offsets[k] -= strides[k][d] * sizes[d] }
                index[d] = 0
                d -= 1
            }
        }
    }
}

extension Tensor {
    /// `op(a, b)` elementwise with broadcasting.
    @inline(__always)
    static func broadcasting(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            var out = uninitializedFloats(a.count)
            a.scalars.withUnsafeBufferPointer { x in
                b.scalars.withUnsafeBufferPointer { y in
                    out.withUnsafeMutableBufferPointer { z in
                        for i in 0..<z.count { z[i] = op(x[i], y[i]) }
                    }
                }
            }
            return Tensor(shape: a.shape, scalars: out)
        }
        let shape = broadcastShape(a.shape, b.shape)
        let loop = BroadcastLoop(output: shape, operands: [shape, a.shape, b.shape])
        var out = uninitializedFloats(shape.reduce(1, *))
        a.scalars.withUnsafeBufferPointer { x in
            b.scalars.withUnsafeBufferPointer { y in
                out.withUnsafeMutableBufferPointer { z in
                    loop.forEachRow { offsets, inner, length in
                        var o = offsets[0], i = offsets[1], j = offsets[2]
                        let si = inner[1], sj = inner[2]
                        for _ in 0..<length {
                            z[o] = op(x[i], y[j])
                            o += 1; i += si; j += sj
                        }
                    }
                }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// Sums this tensor down to `target`, a shape it was broadcast from (the backward of broadcasting).
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let loop = BroadcastLoop(output: shape, operands: [shape, target])
        var out = [Float](repeating: 0, count: target.reduce(1, *))
        scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { z in
                loop.forEachRow { offsets, inner, length in
                    var i = offsets[0], j = offsets[1]
                    let sj = inner[1]
                    if sj == 0 {  // a whole row into one sum (a bias gradient's planes): the vectorised sum
                        z[j] += dnr_sum(x.baseAddress! + i, length)
                    } else {
                        for _ in 0..<length { z[j] += x[i]; i += 1; j += sj }
                    }
                }
            }
        }
        return Tensor(shape: target, scalars: out)
    }
}

extension Tensor {
    /// `op(a, b)` elementwise with broadcasting, for elementwise formulas outside the engine.
    public static func combined(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) -> Tensor {
        broadcasting(a, b, op)
    }
}
