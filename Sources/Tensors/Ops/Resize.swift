/// Interpolation taps for one axis of a bilinear resize with PyTorch's `align_corners=False`
/// convention: source = (i + 0.5)·(in/out) − 0.5, clamped at 0.
struct LinearTaps {
    let low: [Int], high: [Int], weightHigh: [Float]

    init(input: Int, output: Int) {
        let scale = Double(input) / Double(output)
        var low = [Int](), high = [Int](), wh = [Float]()
        for i in 0..<output {
            let source = max((Double(i) + 0.5) * scale - 0.5, 0)
            let l = min(Int(source), input - 1)
            low.append(l)
            high.append(min(l + 1, input - 1))
            wh.append(Float(source - Double(l)))
        }
        self.low = low
        self.high = high
        self.weightHigh = wh
    }
}

extension Variable {
    /// Bilinear resize of NCHW to `height`×`width` (PyTorch's `interpolate(mode: "bilinear",
    /// align_corners: false)`, no antialiasing), differentiable.
    public func bilinearResized(height oh: Int, width ow: Int) -> Variable {
        let s = shape
        let (planes, h, w) = (s[0] * s[1], s[2], s[3])
        let ty = LinearTaps(input: h, output: oh), tx = LinearTaps(input: w, output: ow)
        /// Calls `body(output index, the four source indices, their weights)` for every output pixel.
        func forEachPixel(_ body: (Int, (Int, Int, Int, Int), (Float, Float, Float, Float)) -> Void) {
            for p in 0..<planes {
                let base = p * h * w
                for oy in 0..<oh {
                    let (y0, y1, wy) = (ty.low[oy], ty.high[oy], ty.weightHigh[oy])
                    for ox in 0..<ow {
                        let (x0, x1, wx) = (tx.low[ox], tx.high[ox], tx.weightHigh[ox])
                        body((p * oh + oy) * ow + ox,
                             (base + y0 * w + x0, base + y0 * w + x1, base + y1 * w + x0, base + y1 * w + x1),
                             ((1 - wy) * (1 - wx), (1 - wy) * wx, wy * (1 - wx), wy * wx))
                    }
                }
            }
        }
        let x = value.scalars
        var out = uninitializedFloats(planes * oh * ow)
        forEachPixel { o, i, k in out[o] = x[i.0] * k.0 + x[i.1] * k.1 + x[i.2] * k.2 + x[i.3] * k.3 }
        return record(Tensor(shape: [s[0], s[1], oh, ow], scalars: out), [self]) { g in
            var dx = [Float](repeating: 0, count: planes * h * w)
            forEachPixel { o, i, k in
                let v = g.scalars[o]
                dx[i.0] += v * k.0
                dx[i.1] += v * k.1
                dx[i.2] += v * k.2
                dx[i.3] += v * k.3
            }
            return [Tensor(shape: s, scalars: dx)]
        }
    }

    /// Nearest-neighbour upsampling of NCHW by an integer factor.
    public func nearestUpsampled(factor: Int) -> Variable {
        let s = shape
        let (planes, h, w) = (s[0] * s[1], s[2], s[3])
        let (oh, ow) = (h * factor, w * factor)
        var out = uninitializedFloats(planes * oh * ow)
        value.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                for p in 0..<planes {
                    for oy in 0..<oh {
                        let source = x.baseAddress! + p * h * w + (oy / factor) * w
                        let target = y.baseAddress! + (p * oh + oy) * ow
                        for ox in 0..<ow { target[ox] = source[ox / factor] }
                    }
                }
            }
        }
        return record(Tensor(shape: [s[0], s[1], oh, ow], scalars: out), [self]) { g in
            var dx = [Float](repeating: 0, count: planes * h * w)
            for p in 0..<planes {
                for oy in 0..<oh {
                    for ox in 0..<ow { dx[p * h * w + (oy / factor) * w + ox / factor] += g.scalars[(p * oh + oy) * ow + ox] }
                }
            }
            return [Tensor(shape: s, scalars: dx)]
        }
    }
}
