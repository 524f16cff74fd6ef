/// A dense float32 tensor in row-major order (NCHW for images).
///
/// Value semantics: `scalars` is copy-on-write. The shape is checked against the storage at
/// construction, so a mismatch fails loudly where it is made rather than where it is used.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    public let shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) holds \(shape.reduce(1, *)) scalars, storage has \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// A scalar as a rank-0 tensor.
    public init(_ value: Float) {
        self.init(shape: [], scalars: [value])
    }

    /// Normal draws with the given standard deviation.
    public init(randomNormal shape: [Int], standardDeviation: Float = 1, generator: inout SeededGenerator) {
        self.init(shape: shape, scalars: generator.normals(count: shape.reduce(1, *), standardDeviation: standardDeviation))
    }

    /// Uniform draws in `range`.
    public init(randomUniform shape: [Int], in range: ClosedRange<Float>, generator: inout SeededGenerator) {
        let count = shape.reduce(1, *)
        let width = Double(range.upperBound - range.lowerBound), low = Double(range.lowerBound)
        self.init(shape: shape, scalars: (0..<count).map { _ in Float(low + width * generator.nextUniform()) })
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The single value of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "scalar of a tensor with shape \(shape)")
        return scalars[0]
    }

    /// The same scalars under another shape of equal size; one dimension may be −1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: resolveShape(newShape, count: count), scalars: scalars)
    }

    public var description: String {
        let head = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(\(shape): [\(head)\(count > 8 ? ", …" : "")])"
    }
}

func resolveShape(_ shape: [Int], count: Int) -> [Int] {
    let inferred = shape.filter { $0 == -1 }.count
    precondition(inferred <= 1, "at most one −1 in shape \(shape)")
    if inferred == 1 {
        let known = shape.filter { $0 != -1 }.reduce(1, *)
        precondition(known > 0 && count % known == 0, "cannot reshape \(count) scalars to \(shape)")
        return shape.map { $0 == -1 ? count / known : $0 }
    }
    precondition(shape.reduce(1, *) == count, "cannot reshape \(count) scalars to \(shape)")
    return shape
}

extension Tensor {
    /// Elementwise map to a new tensor of the same shape.
    @inlinable public func map(_ transform: (Float) -> Float) -> Tensor {
        var out = uninitializedFloats(count)
        scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                for i in 0..<x.count { y[i] = transform(x[i]) }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// Largest absolute elementwise difference; the shapes must match.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "shapes differ: \(shape) vs \(other.shape)")
        var worst: Float = 0
        for i in 0..<count { worst = Swift.max(worst, abs(scalars[i] - other.scalars[i])) }
        return worst
    }

    /// Sum of all scalars (in double precision).
    public func sum() -> Float {
        var total = 0.0
        for v in scalars { total += Double(v) }
        return Float(total)
    }

    public var squaredNorm: Float {
        var total = 0.0
        for v in scalars { total += Double(v) * Double(v) }
        return Float(total)
    }
}

/// Storage for `count` floats that the caller overwrites completely, without the cost of zeroing
/// it first (Float has no invalid bit patterns). An empty request returns `[]`: the initializer
/// would store the count 0 into the standard library's shared empty-array header, a write that
/// races with every other thread reading that header (ThreadSanitizer reported it between two tests).
@inlinable
func uninitializedFloats(_ count: Int) -> [Float] {
    if count == 0 { return [] }
    return [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
