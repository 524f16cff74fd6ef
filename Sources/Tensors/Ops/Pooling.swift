import CKernels

extension Variable {
    /// Average pooling over NCHW with a square window of `size` and the given stride (no padding).
    public func averagePooled(size: Int, stride: Int) -> Variable {
        let s = shape
        let (n, c, h, w) = (s[0], s[1], s[2], s[3])
        let (oh, ow) = ((h - size) / stride + 1, (w - size) / stride + 1)
        precondition(oh > 0 && ow > 0, "averagePooled: window \(size) does not fit \(s)")
        let x = value.scalars
        let inv = 1 / Float(size * size)
        var out = [Float](repeating: 0, count: n * c * oh * ow)
        for p in 0..<(n * c) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var total: Float = 0
                    for i in 0..<size { for j in 0..<size { total += x[p * h * w + (oy * stride + i) * w + ox * stride + j] } }
                    out[(p * oh + oy) * ow + ox] = total * inv
                }
            }
        }
        return record(Tensor(shape: [n, c, oh, ow], scalars: out), [self]) { g in
            var dx = [Float](repeating: 0, count: n * c * h * w)
            for p in 0..<(n * c) {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let v = g.scalars[(p * oh + oy) * ow + ox] * inv
                        for i in 0..<size { for j in 0..<size { dx[p * h * w + (oy * stride + i) * w + ox * stride + j] += v } }
                    }
                }
            }
            return [Tensor(shape: s, scalars: dx)]
        }
    }

    /// Max pooling over NCHW with a square window, stride and padding (padding never wins).
    public func maxPooled(size: Int, stride: Int, padding: Int = 0) -> Variable {
        let s = shape
        let (n, c, h, w) = (s[0], s[1], s[2], s[3])
        let (oh, ow) = ((h + 2 * padding - size) / stride + 1, (w + 2 * padding - size) / stride + 1)
        precondition(oh > 0 && ow > 0 && padding < size, "maxPooled: window \(size) with padding \(padding) does not fit \(s)")
        let (inPlane, outPlane) = (h * w, oh * ow)
        // Each window's winner (its position in its plane), kept only when the backward will run.
        let tracking = GradientMode.isEnabled && requiresGradient
        var out = uninitializedFloats(n * c * outPlane)
        var argmax = [Int32](repeating: 0, count: tracking ? out.count : 0)
        value.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                argmax.withUnsafeMutableBufferPointer { winners in
                    let (x, y, winners) = (x.baseAddress!, y.baseAddress!, winners.baseAddress)
                    parallelChunks(n * c, costPerItem: outPlane * size * size) { planes in
                        for p in planes {
                            dnr_max_pool_plane(x + p * inPlane, h, w, size, stride, padding, y + p * outPlane,
                                               tracking ? winners! + p * outPlane : nil, oh, ow)
                        }
                    }
                }
            }
        }
        return record(Tensor(shape: [n, c, oh, ow], scalars: out), [self]) { g in
            var dx = [Float](repeating: 0, count: n * c * inPlane)
            dx.withUnsafeMutableBufferPointer { gx in
                g.scalars.withUnsafeBufferPointer { gy in
                    argmax.withUnsafeBufferPointer { winners in
                        let (gx, gy, winners) = (gx.baseAddress!, gy.baseAddress!, winners.baseAddress!)
                        parallelChunks(n * c, costPerItem: outPlane) { planes in
                            for p in planes {
                                for o in p * outPlane..<(p + 1) * outPlane { gx[p * inPlane + Int(winners[o])] += gy[o] }
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: s, scalars: dx)]
        }
    }

    /// Mean over the spatial dimensions of NCHW: an [N, C] variable.
    public func globalAveragePooled() -> Variable {
        mean(axes: [2, 3]).reshaped([shape[0], shape[1]])
    }
}
