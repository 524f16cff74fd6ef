extension Variable {
    public func reshaped(_ newShape: [Int]) -> Variable {
        let shape = self.shape
        return record(value.reshaped(newShape), [self]) { g in [g.reshaped(shape)] }
    }

    /// Dimensions reordered: output dimension i is input dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Variable {
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return record(value.permuted(order), [self]) { g in [g.permuted(inverse)] }
    }

    /// Elements `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Variable {
        let shape = self.shape
        return record(value.slice(axis: axis, range), [self]) { g in [Tensor.padded(g, axis: axis, at: range.lowerBound, to: shape[axis])] }
    }

    /// Consecutive pieces of the given sizes along `axis`.
    public func split(axis: Int, sizes: [Int]) -> [Variable] {
        precondition(sizes.reduce(0, +) == shape[axis], "split sizes \(sizes) do not add up to \(shape[axis])")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: axis, start..<(start + size))
        }
    }

    /// Zero padding of the last two (spatial) dimensions.
    public func padded(top: Int, bottom: Int, left: Int, right: Int) -> Variable {
        let shape = self.shape
        let h = shape[shape.count - 2], w = shape[shape.count - 1]
        let y = Tensor.padded(Tensor.padded(value, axis: shape.count - 2, at: top, to: h + top + bottom),
                              axis: shape.count - 1, at: left, to: w + left + right)
        return record(y, [self]) { g in
            [g.slice(axis: shape.count - 2, top..<(top + h)).slice(axis: shape.count - 1, left..<(left + w))]
        }
    }
}

/// Joins variables along `axis`; every other dimension must agree.
public func concatenate(_ parts: [Variable], axis: Int) -> Variable {
    let sizes = parts.map { $0.shape[axis] }
    return record(Tensor.concatenate(parts.map(\.value), axis: axis), parts) { g in
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return g.slice(axis: axis, start..<(start + size))
        }
    }
}

extension Tensor {
    /// (outer, axis, inner) sizes for a view of the shape around `axis`.
    func split3(_ axis: Int) -> (Int, Int, Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis], "slice \(range) outside dimension \(axis) of \(shape)")
        let (outer, n, inner) = split3(axis)
        var newShape = shape
        newShape[axis] = range.count
        var out = uninitializedFloats(outer * range.count * inner)
        scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                for o in 0..<outer {
                    let source = x.baseAddress! + (o * n + range.lowerBound) * inner
                    (y.baseAddress! + o * range.count * inner).update(from: source, count: range.count * inner)
                }
            }
        }
        return Tensor(shape: newShape, scalars: out)
    }

    /// This tensor placed at `offset` along `axis` in zeros of size `size` there.
    static func padded(_ t: Tensor, axis: Int, at offset: Int, to size: Int) -> Tensor {
        let (outer, n, inner) = t.split3(axis)
        var newShape = t.shape
        newShape[axis] = size
        var out = [Float](repeating: 0, count: outer * size * inner)
        t.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                for o in 0..<outer {
                    (y.baseAddress! + (o * size + offset) * inner).update(from: x.baseAddress! + o * n * inner, count: n * inner)
                }
            }
        }
        return Tensor(shape: newShape, scalars: out)
    }

    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "nothing to concatenate")
        let first = parts[0].shape
        for p in parts {
            precondition(p.rank == first.count && (0..<first.count).allSatisfy { $0 == axis || p.shape[$0] == first[$0] },
                         "cannot concatenate \(p.shape) with \(first) along axis \(axis)")
        }
        let total = parts.reduce(0) { $0 + $1.shape[axis] }
        var shape = first
        shape[axis] = total
        let outer = first[..<axis].reduce(1, *), inner = first[(axis + 1)...].reduce(1, *)
        var out = uninitializedFloats(outer * total * inner)
        out.withUnsafeMutableBufferPointer { y in
            var offset = 0
            for p in parts {
                let n = p.shape[axis]
                p.scalars.withUnsafeBufferPointer { x in
                    for o in 0..<outer {
                        (y.baseAddress! + (o * total + offset) * inner).update(from: x.baseAddress! + o * n * inner, count: n * inner)
                    }
                }
                offset += n
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "\(order) is not a permutation of \(rank) dimensions")
        let newShape = order.map { shape[$0] }
        var sourceStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[i] = sourceStrides[i + 1] * shape[i + 1] }
        let strides = order.map { sourceStrides[$0] }
        var out = uninitializedFloats(count)
        var index = [Int](repeating: 0, count: rank)
        scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                guard rank > 0 else { y[0] = x[0]; return }
                let last = rank - 1, n = newShape[last], s = strides[last]
                var offset = 0, o = 0
                let rows = count / Swift.max(n, 1)
                for _ in 0..<rows {
                    var k = offset
                    for _ in 0..<n { y[o] = x[k]; o += 1; k += s }
                    var d = last - 1
                    while d >= 0 {
                        index[d] += 1
                        offset += strides[d]
                        if index[d] < newShape[d] { break }
                        offset -= strides[d] * newShape[d]
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return Tensor(shape: newShape, scalars: out)
    }
}

extension Variable {
    /// This variable zero-extended at the high end of each axis to `target` (every dimension ≥ its own).
    public func zeroExtended(to target: [Int]) -> Variable {
        let shape = self.shape
        precondition(target.count == shape.count && zip(target, shape).allSatisfy { $0 >= $1 },
                     "cannot zero-extend \(shape) to \(target)")
        if target == shape { return self }
        var y = value
        for axis in 0..<shape.count where target[axis] != shape[axis] {
            y = Tensor.padded(y, axis: axis, at: 0, to: target[axis])
        }
        return record(y, [self]) { g in
            var cropped = g
            for axis in 0..<shape.count where target[axis] != shape[axis] { cropped = cropped.slice(axis: axis, 0..<shape[axis]) }
            return [cropped]
        }
    }
}

/// a + b after zero-extending both to their element-wise largest shape (dlib's add_prev).
public func zeroExtendedSum(_ a: Variable, _ b: Variable) -> Variable {
    let target = zip(a.shape, b.shape).map { max($0, $1) }
    return a.zeroExtended(to: target) + b.zeroExtended(to: target)
}
