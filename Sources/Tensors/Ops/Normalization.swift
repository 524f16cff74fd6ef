import CKernels
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
                            let group = input.baseAddress! + base
                            let mean = dnr_sum(group, perGroup) / Float(perGroup)
                            let variance = dnr_centered_squares(group, perGroup, mean) / Float(perGroup)
                            let r = 1 / (variance + epsilon).squareRoot()
                            rstd[ng] = r
                            let firstChannel = (ng % groups) * (c / groups)
                            for k in 0..<(c / groups) {
                                let ch = firstChannel + k
                                let start = base + k * spatial
                                dnr_normalize_affine(input.baseAddress! + start, spatial, mean, r, gamma?[ch] ?? 1, beta?[ch] ?? 0,
                                                     xhat.baseAddress! + start, y.baseAddress! + start, fusedSiLU ? 1 : 0)
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
                xhat.withUnsafeBufferPointer { xh in
                    parallelChunks(n * c, costPerItem: spatial * 8) { range in
                        for bc in range {
                            let ch = bc % c
                            dnr_silu_backward(g.baseAddress! + bc * spatial, xh.baseAddress! + bc * spatial, spatial, gamma?[ch] ?? 1, beta?[ch] ?? 0)
                        }
                    }
                }
            }
        }
        var dx = [Float](repeating: 0, count: x.requiresGradient ? dy.count : 0)
        // Per (image, channel): Σ dy and Σ dy·x̂, for dβ, dγ and the input gradient.
        var sums = [Float](repeating: 0, count: n * c), dots = [Float](repeating: 0, count: n * c)
        dy.scalars.withUnsafeBufferPointer { gy in
            xhat.withUnsafeBufferPointer { xh in
                sums.withUnsafeMutableBufferPointer { sum in
                    dots.withUnsafeMutableBufferPointer { dot in
                        parallelChunks(n * c, costPerItem: spatial * 2) { range in
                            for bc in range {
                                dnr_sum_and_dot(gy.baseAddress! + bc * spatial, xh.baseAddress! + bc * spatial, spatial, &sum[bc], &dot[bc])
                            }
                        }
                    }
                }
            }
        }
        var dgamma = [Float](repeating: 0, count: c), dbeta = [Float](repeating: 0, count: c)
        for b in 0..<n {
            for ch in 0..<c {
                dgamma[ch] += dots[b * c + ch]
                dbeta[ch] += sums[b * c + ch]
            }
        }
        if x.requiresGradient {
            dy.scalars.withUnsafeBufferPointer { gy in
                xhat.withUnsafeBufferPointer { xh in
                    dx.withUnsafeMutableBufferPointer { gx in
                        parallelChunks(n * groups, costPerItem: perGroup * 4) { range in
                            for ng in range {
                                let base = ng * perGroup
                                let firstChannel = (ng % groups) * (c / groups)
                                let b = ng / groups
                                // dxhat = dy·γ; dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat))
                                var meanD: Float = 0, meanDX: Float = 0
                                for k in 0..<(c / groups) {
                                    let ch = firstChannel + k, scale = gamma?[ch] ?? 1
                                    meanD += scale * sums[b * c + ch]
                                    meanDX += scale * dots[b * c + ch]
                                }
                                meanD /= Float(perGroup)
                                meanDX /= Float(perGroup)
                                for k in 0..<(c / groups) {
                                    let ch = firstChannel + k, start = base + k * spatial
                                    dnr_group_norm_input_gradient(gx.baseAddress! + start, gy.baseAddress! + start, xh.baseAddress! + start,
                                                                  spatial, rstd[ng], gamma?[ch] ?? 1, meanD, meanDX)
                                }
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
