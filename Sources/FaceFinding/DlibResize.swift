/// dlib's `resize_image` with bilinear interpolation, reproduced to the rounding: corners aligned
/// (x_scale = (inW − 1)/(outW − 1)), columns four at a time in single precision exactly as dlib's
/// SSE loop (`simd4f`) steps them, the remaining columns in double precision. The detector's
/// pyramid (float planes) and `pyramid_up` (8-bit pixels, truncated) both go through it.
enum DlibResize {
    /// Resizes one plane: `sample(row, column)` reads the source, `store(value, row, column)` receives
    /// each output sample as dlib computes it (single precision in the SIMD loop, double in the
    /// tail), before any conversion to the output's pixel type.
    @inline(__always)
    static func resize(sourceWidth: Int, sourceHeight: Int, targetWidth: Int, targetHeight: Int,
                       sample: (Int, Int) -> Float, store: (Double, Int, Int) -> Void) {
        guard sourceWidth > 0, sourceHeight > 0, targetWidth > 0, targetHeight > 0 else { return }
        let xScale = Double(sourceWidth - 1) / Double(max(targetWidth - 1, 1))
        let yScale = Double(sourceHeight - 1) / Double(max(targetHeight - 1, 1))
        var y = -yScale
        for r in 0..<targetHeight {
            y += yScale
            let top = Int(y.rounded(.down))
            let bottom = min(top + 1, sourceHeight - 1)
            let tbFrac = y - Double(top)
            let tb = Float(tbFrac), invTb = Float(1 - tbFrac)
            let x0 = -4 * xScale
            let step = Float(4 * xScale)
            var lanes = (Float(x0), Float(x0 + xScale), Float(x0 + 2 * xScale), Float(x0 + 3 * xScale))
            var c = 0
            // dlib stops the SIMD loop when a lane's right neighbour would leave the row; the
            // last column always falls to the tail, so the four lanes never run past the output.
            while true {
                lanes = (lanes.0 + step, lanes.1 + step, lanes.2 + step, lanes.3 + step)
                if Int(lanes.3) + 1 >= sourceWidth { break }
                func emit(_ x: Float, _ k: Int) {
                    let left = Int(x)  // truncation, as the SIMD conversion does (x ≥ 0)
                    let lr = x - Float(left), invLr = 1 - lr
                    let value = invTb * invLr * sample(top, left) + invTb * lr * sample(top, left + 1)
                        + tb * invLr * sample(bottom, left) + tb * lr * sample(bottom, left + 1)
                    store(Double(value), r, c + k)
                }
                emit(lanes.0, 0); emit(lanes.1, 1); emit(lanes.2, 2); emit(lanes.3, 3)
                c += 4
            }
            var x = -xScale + Double(c) * xScale
            while c < targetWidth {
                x += xScale
                let left = Int(x.rounded(.down))
                let right = min(left + 1, sourceWidth - 1)
                let lr = x - Double(left)
                let value = (1 - tbFrac) * ((1 - lr) * Double(sample(top, left)) + lr * Double(sample(top, right)))
                    + tbFrac * ((1 - lr) * Double(sample(bottom, left)) + lr * Double(sample(bottom, right)))
                store(value, r, c)
                c += 1
            }
        }
    }
}
