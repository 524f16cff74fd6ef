/// A dense float32 tensor in row-major order (NCHW for images).
///
/// Value semantics: `scalars` is copy-on-write. The shape is checked against the storage at
/// construction, so a mismatch fails loudly where it is made rather than where it is used.
public struct Tensor: Sendable, Equatable {
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
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }
}
