import CKernels
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
            // Raw buffers for the input and output too: array subscripts in this loop were checked and
            // retained per element.
            g.scalars.withUnsafeBufferPointer { gy in
                x.scalars.withUnsafeBufferPointer { xs in
                    y.scalars.withUnsafeBufferPointer { ys in
                        dx.withUnsafeMutableBufferPointer { gx in
                            parallelChunks(gy.count, costPerItem: 8) { range in
                                for i in range { gx[i] = gy[i] * derivative(xs[i], ys[i]) }
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: g.shape, scalars: dx)]
        }
    }

    /// max(x, 0), through C kernels rather than `pointwise`: its closures are called per element, and
    /// Swift compiled even the written-out loops to scalar branches (the recognizer's ReLUs were 4–9 %
    /// of its profile).
    public func relu() -> Variable {
        let x = value
        var out = uninitializedFloats(x.count)
        x.scalars.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                parallelChunks(x.count, costPerItem: 1) { range in
                    dnr_relu(input.baseAddress! + range.lowerBound, output.baseAddress! + range.lowerBound, range.count)
                }
            }
        }
        let y = Tensor(shape: x.shape, scalars: out)
        return record(y, [self]) { g in
            var dx = uninitializedFloats(g.count)
            g.scalars.withUnsafeBufferPointer { gy in
                y.scalars.withUnsafeBufferPointer { ys in
                    dx.withUnsafeMutableBufferPointer { gx in
                        parallelChunks(g.count, costPerItem: 1) { range in
                            dnr_relu_backward(gy.baseAddress! + range.lowerBound, ys.baseAddress! + range.lowerBound,
                                              gx.baseAddress! + range.lowerBound, range.count)
                        }
                    }
                }
            }
            return [Tensor(shape: g.shape, scalars: dx)]
        }
    }

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

extension Variable {
    /// 1 where the value exceeds `threshold`, else 0, with the gradient passed straight through
    /// (the straight-through estimator for binary masks).
    public func straightThroughStep(threshold: Float = 0.5) -> Variable {
        record(value.map { $0 > threshold ? 1 : 0 }, [self]) { g in [g] }
    }

    /// [N, C, H, W] → [N, C·f², H/f, W/f]: each f×f block becomes channels (space to depth).
    public func pixelUnshuffled(factor f: Int) -> Variable {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        precondition(h % f == 0 && w % f == 0, "pixelUnshuffled: \(h)×\(w) is not divisible by \(f)")
        return reshaped([n, c, h / f, f, w / f, f]).permuted([0, 1, 3, 5, 2, 4]).reshaped([n, c * f * f, h / f, w / f])
    }

    /// The inverse of `pixelUnshuffled` (depth to space).
    public func pixelShuffled(factor f: Int) -> Variable {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        precondition(c % (f * f) == 0, "pixelShuffled: \(c) channels are not divisible by \(f * f)")
        return reshaped([n, c / (f * f), f, f, h, w]).permuted([0, 1, 4, 2, 5, 3]).reshaped([n, c / (f * f), h * f, w * f])
    }
}
