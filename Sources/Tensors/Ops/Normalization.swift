#if canImport(Glibc)
import Glibc
#endif

/// Group normalisation over NCHW (or NC) input: each sample's channels are split into `groups`
/// groups, normalised to zero mean and unit variance within each group, then scaled and shifted per
/// channel by `weight` and `bias` ([C] each). With `fusedSiLU`, SiLU is applied to the result in
/// the same pass (GroupNorm → SiLU is the UNet's most common pair).
public func groupNorm(_ x: Variable, groups: Int, weight: Variable?, bias: Variable?, epsilon: Float = 1e-5,
                      fusedSiLU: Bool = false) -> Variable {
    let shape = x.shape
    precondition(shape.count >= 2 && shape[1] % groups == 0, "groupNorm: \(shape[1]) channels do not split into \(groups) groups")
    let (n, c) = (shape[0], shape[1])
    let spatial = shape.dropFirst(2).reduce(1, *)
    let perGroup = c / groups * spatial
    let gamma = weight?.value.scalars, beta = bias?.value.scalars
    var normalised = uninitializedFloats(x.value.count)
    var inverseStd = [Float](repeating: 0, count: n * groups)
    var out = uninitializedFloats(x.value.count)
    x.value.scalars.withUnsafeBufferPointer { input in
        normalised.withUnsafeMutableBufferPointer { xhat in
            out.withUnsafeMutableBufferPointer { y in
                inverseStd.withUnsafeMutableBufferPointer { rstd in
                    parallelChunks(n * groups, costPerItem: perGroup * 4) { range in
                        for ng in range {
                            let base = ng * perGroup
                            var mean = 0.0
                            for i in 0..<perGroup { mean += Double(input[base + i]) }
                            mean /= Double(perGroup)
                            var variance = 0.0
                            for i in 0..<perGroup { let d = Double(input[base + i]) - mean; variance += d * d }
                            variance /= Double(perGroup)
                            let r = Float(1 / (variance + Double(epsilon)).squareRoot())
                            rstd[ng] = r
                            let m = Float(mean)
                            let firstChannel = (ng % groups) * (c / groups)
                            for k in 0..<(c / groups) {
                                let ch = firstChannel + k
                                let scale = gamma?[ch] ?? 1, shift = beta?[ch] ?? 0
                                let start = base + k * spatial
                                for i in start..<(start + spatial) {
                                    let v = (input[i] - m) * r
                                    xhat[i] = v
                                    let z = v * scale + shift
                                    y[i] = fusedSiLU ? z / (1 + expf(-z)) : z
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let xhat = normalised, rstd = inverseStd
    let parents = [x] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
    return record(Tensor(shape: shape, scalars: out), parents) { upstream in
        // Through the fused SiLU first: d/dz z·σ(z) = σ(z)·(1 + z·(1 − σ(z))), z recomputed from x̂.
        var dy = upstream
        if fusedSiLU {
            dy.scalars.withUnsafeMutableBufferPointer { g in
                for b in 0..<n {
                    for ch in 0..<c {
                        let scale = gamma?[ch] ?? 1, shift = beta?[ch] ?? 0
                        let start = (b * c + ch) * spatial
                        for i in start..<(start + spatial) {
                            let z = xhat[i] * scale + shift
                            let s = 1 / (1 + expf(-z))
                            g[i] *= s * (1 + z * (1 - s))
                        }
                    }
                }
            }
        }
        var dx = [Float](repeating: 0, count: dy.count)
        var dgamma = [Float](repeating: 0, count: c), dbeta = [Float](repeating: 0, count: c)
        for b in 0..<n {
            for ch in 0..<c {
                let start = (b * c + ch) * spatial
                var sg: Float = 0, sgx: Float = 0
                for i in start..<(start + spatial) { sg += dy.scalars[i]; sgx += dy.scalars[i] * xhat[i] }
                dgamma[ch] += sgx
                dbeta[ch] += sg
            }
        }
        if x.requiresGradient {
            dy.scalars.withUnsafeBufferPointer { gy in
                dx.withUnsafeMutableBufferPointer { gx in
                    parallelChunks(n * groups, costPerItem: perGroup * 4) { range in
                        for ng in range {
                            let base = ng * perGroup
                            let firstChannel = (ng % groups) * (c / groups)
                            // dxhat = dy·γ; dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat))
                            var meanD: Float = 0, meanDX: Float = 0
                            for k in 0..<(c / groups) {
                                let scale = gamma?[firstChannel + k] ?? 1
                                let start = base + k * spatial
                                for i in start..<(start + spatial) { let d = gy[i] * scale; meanD += d; meanDX += d * xhat[i] }
                            }
                            meanD /= Float(perGroup)
                            meanDX /= Float(perGroup)
                            let r = rstd[ng]
                            for k in 0..<(c / groups) {
                                let scale = gamma?[firstChannel + k] ?? 1
                                let start = base + k * spatial
                                for i in start..<(start + spatial) { gx[i] = r * (gy[i] * scale - meanD - xhat[i] * meanDX) }
                            }
                        }
                    }
                }
            }
        }
        var grads: [Tensor?] = [x.requiresGradient ? Tensor(shape: shape, scalars: dx) : nil]
        if weight != nil { grads.append(Tensor(shape: [c], scalars: dgamma)) }
        if bias != nil { grads.append(Tensor(shape: [c], scalars: dbeta)) }
        return grads
    }
}

/// y = x·scale[c] + shift[c] over NCHW input: a per-channel affine map ([C] parameters), the form
/// a frozen batch norm takes.
public func channelAffine(_ x: Variable, scale: Variable, shift: Variable) -> Variable {
    let c = x.shape[1]
    precondition(scale.shape == [c] && shift.shape == [c], "channelAffine: parameters \(scale.shape), \(shift.shape) for \(c) channels")
    let view = [1, c] + [Int](repeating: 1, count: x.shape.count - 2)
    return x * scale.reshaped(view) + shift.reshaped(view)
}
