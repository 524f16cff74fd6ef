#if canImport(Glibc)
import Glibc
#endif

extension Variable {
    /// Applies `f` elementwise; `derivative(x, y)` is f′ in terms of the input and output.
    @inline(__always)
    func pointwise(_ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Variable {
        let x = value
        var out = uninitializedFloats(x.count)
        x.scalars.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                parallelChunks(input.count, costPerItem: 8) { range in
                    for i in range { output[i] = f(input[i]) }
                }
            }
        }
        let y = Tensor(shape: x.shape, scalars: out)
        return record(y, [self]) { g in
            var dx = uninitializedFloats(g.count)
            g.scalars.withUnsafeBufferPointer { gy in
                dx.withUnsafeMutableBufferPointer { gx in
                    parallelChunks(gy.count, costPerItem: 8) { range in
                        for i in range { gx[i] = gy[i] * derivative(x.scalars[i], y.scalars[i]) }
                    }
                }
            }
            return [Tensor(shape: g.shape, scalars: dx)]
        }
    }

    public func relu() -> Variable { pointwise({ Swift.max($0, 0) }) { x, _ in x > 0 ? 1 : 0 } }

    public func leakyReLU(slope: Float = 0.01) -> Variable {
        pointwise({ $0 > 0 ? $0 : slope * $0 }) { x, _ in x > 0 ? 1 : slope }
    }

    public func sigmoid() -> Variable { pointwise({ 1 / (1 + expf(-$0)) }) { _, y in y * (1 - y) } }

    public func tanh() -> Variable { pointwise({ tanhf($0) }) { _, y in 1 - y * y } }

    /// x·σ(x).
    public func silu() -> Variable {
        pointwise({ $0 / (1 + expf(-$0)) }) { x, _ in
            let s = 1 / (1 + expf(-x))
            return s * (1 + x * (1 - s))
        }
    }

    /// The exact (erf) GELU, as PyTorch's default.
    public func gelu() -> Variable {
        pointwise({ 0.5 * $0 * (1 + erff($0 * 0.70710678)) }) { x, _ in
            0.5 * (1 + erff(x * 0.70710678)) + x * 0.39894228 * expf(-0.5 * x * x)
        }
    }
}
