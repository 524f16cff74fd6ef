/// The geometry of a 2-D convolution over NCHW input with an [outC, inC, kH, kW] kernel.
public struct ConvolutionGeometry: Equatable, Sendable {
    public let channels: Int, height: Int, width: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let stride: Int, padding: Int
    public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Rows of the unfolded (im2col) matrix: one per input channel and kernel tap.
    var patchSize: Int { channels * kernelHeight * kernelWidth }
    var outputPlane: Int { outputHeight * outputWidth }
    /// A 1×1, stride-1, unpadded convolution is a plain matrix product on the input.
    var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }

    /// Whether a batch of `n` images is better multiplied as one matrix: small output planes
    /// (where one product per image leaves OpenBLAS little to work with), within 64 MB of columns.
    func batchesImages(_ n: Int) -> Bool {
        n > 1 && outputPlane <= 1024 && patchSize * n * outputPlane <= 16 * 1024 * 1024
    }

    /// Unfolds one image [C, H, W] into columns [C·kH·kW, outH·outW]; rows are `rowStride` apart
    /// (the output plane by default, more when several images share one column matrix).
    /// `outputRows` unfolds only that band of output rows (a large image is convolved band by band).
    func unfold(_ x: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>, rowStride: Int? = nil,
                outputRows: Range<Int>? = nil) {
        let ow = outputWidth
        let band = outputRows ?? 0..<outputHeight
        let rowStride = rowStride ?? band.count * ow
        parallelChunks(patchSize, costPerItem: band.count * ow) { rows in
            for row in rows {
                let c = row / (kernelHeight * kernelWidth), i = (row / kernelWidth) % kernelHeight, j = row % kernelWidth
                let plane = x + c * height * width
                let out = columns + row * rowStride
                for oy in band {
                    let iy = oy * stride - padding + i
                    let line = out + (oy - band.lowerBound) * ow
                    if iy < 0 || iy >= height {
                        line.update(repeating: 0, count: ow)
                        continue
                    }
                    let source = plane + iy * width
                    let (lo, hi) = validColumns(tap: j)
                    if lo > 0 { line.update(repeating: 0, count: lo) }
                    if hi > lo {
                        let first = source + lo * stride - padding + j
                        if stride == 1 {
                            (line + lo).update(from: first, count: hi - lo)
                        } else {
                            for k in 0..<(hi - lo) { line[lo + k] = first[k * stride] }
                        }
                    }
                    if hi < ow { (line + hi).update(repeating: 0, count: ow - hi) }
                }
            }
        }
    }

    /// The output columns ox whose input column ox·stride − padding + tap lies inside the image.
    @inline(__always)
    func validColumns(tap j: Int) -> (Int, Int) {
        let ow = outputWidth
        // ceil((padding − j) / stride) and floor((width − 1 + padding − j) / stride) for any sign.
        let lo = Swift.max(0, -floorDivide(j - padding, stride))
        let hi = Swift.min(ow, floorDivide(width - 1 + padding - j, stride) + 1)
        return (Swift.min(lo, ow), Swift.max(hi, Swift.min(lo, ow)))
    }

    /// The adjoint of `unfold`: adds columns back into one image's gradient [C, H, W].
    func fold(_ columns: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let (oh, ow) = (outputHeight, outputWidth)
        let rowStride = rowStride ?? oh * ow
        // Split by channel so that chunks write disjoint planes.
        parallelChunks(channels, costPerItem: kernelHeight * kernelWidth * outputPlane) { channelRange in
            for c in channelRange {
                let plane = x + c * height * width
                for i in 0..<kernelHeight {
                    for j in 0..<kernelWidth {
                        let column = columns + ((c * kernelHeight + i) * kernelWidth + j) * rowStride
                        for oy in 0..<oh {
                            let iy = oy * stride - padding + i
                            if iy < 0 || iy >= height { continue }
                            let line = column + oy * ow, target = plane + iy * width
                            let (lo, hi) = validColumns(tap: j)
                            let first = target + lo * stride - padding + j
                            if stride == 1 {
                                // Contiguous on both sides: a loop the compiler vectorises.
                                let source = line + lo
                                for k in 0..<(hi - lo) { first[k] += source[k] }
                            } else {
                                for k in 0..<(hi - lo) { first[k * stride] += line[lo + k] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// ⌊a / b⌋ for any sign of a (b > 0); ⌈a / b⌉ is −⌊−a / b⌋.
func floorDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

/// The most floats the forward convolution unfolds at once (128 MB).
let maximumColumnFloats = 32 * 1024 * 1024

extension Tensor {
    func convolutionGeometry(kernel: [Int], stride: Int, padding: Int) -> ConvolutionGeometry {
        precondition(rank == 4, "conv2d needs NCHW input, got \(shape)")
        precondition(kernel.count == 4 && kernel[1] == shape[1],
                     "conv2d: weight \(kernel) does not take \(shape[1]) input channels")
        let g = ConvolutionGeometry(channels: shape[1], height: shape[2], width: shape[3],
                                    kernelHeight: kernel[2], kernelWidth: kernel[3], stride: stride, padding: padding)
        precondition(stride >= 1 && padding >= 0 && g.outputHeight > 0 && g.outputWidth > 0,
                     "conv2d: kernel \(kernel) with stride \(stride), padding \(padding) does not fit input \(shape)")
        return g
    }

    /// 2-D cross-correlation (PyTorch's conv2d) by im2col and OpenBLAS sgemm, or by Winograd or the
    /// direct kernel where that is faster (`algorithm`).
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
                              algorithm: ConvolutionAlgorithm = .automatic) -> Tensor {
        let g = x.convolutionGeometry(kernel: weight.shape, stride: stride, padding: padding)
        let (n, outC) = (x.shape[0], weight.shape[0])
        if let bias { precondition(bias.shape == [outC], "conv2d: bias \(bias.shape) for \(outC) output channels") }
        let form = g.form(algorithm, images: n, outputChannels: outC)
        if form == .direct { return directForward(x, weight: weight, bias: bias, geometry: g) }
        // The output starts as the bias (or zeros) and the products are accumulated onto it.
        var out = uninitializedFloats(n * outC * g.outputPlane)
        out.withUnsafeMutableBufferPointer { y in
            for b in 0..<n {
                for c in 0..<outC {
                    (y.baseAddress! + (b * outC + c) * g.outputPlane).update(repeating: bias?.scalars[c] ?? 0, count: g.outputPlane)
                }
            }
        }
        if case .winograd(let tile) = form {
            winogradForward(x, weight: weight, geometry: g, tile: tile, into: &out)
            return Tensor(shape: [n, outC, g.outputHeight, g.outputWidth], scalars: out)
        }
        if g.batchesImages(n) {
            batchedForward(x, weight: weight, geometry: g, into: &out)
            return Tensor(shape: [n, outC, g.outputHeight, g.outputWidth], scalars: out)
        }
        // A large image (a photo for the face detector) is unfolded a band of output rows at a time,
        // so the columns stay within `maximumColumnFloats`.
        let bandRows = g.isPointwise ? g.outputHeight
            : Swift.max(1, Swift.min(g.outputHeight, maximumColumnFloats / Swift.max(1, g.patchSize * g.outputWidth)))
        var columns = uninitializedFloats(g.isPointwise ? 0 : g.patchSize * bandRows * g.outputWidth)
        x.scalars.withUnsafeBufferPointer { input in
            weight.scalars.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { y in
                    columns.withUnsafeMutableBufferPointer { col in
                        for b in 0..<n {
                            let image = input.baseAddress! + b * g.channels * g.height * g.width
                            let target = y.baseAddress! + b * outC * g.outputPlane
                            if g.isPointwise {
                                gemm(w.baseAddress!, image, target, m: outC, n: g.outputPlane, k: g.patchSize, accumulate: true)
                                continue
                            }
                            for first in Swift.stride(from: 0, to: g.outputHeight, by: bandRows) {
                                let band = first..<Swift.min(g.outputHeight, first + bandRows)
                                g.unfold(image, into: col.baseAddress!, outputRows: band)
                                gemm(w.baseAddress!, col.baseAddress!, target + first * g.outputWidth,
                                     m: outC, n: band.count * g.outputWidth, k: g.patchSize, accumulate: true,
                                     outputRowStride: g.outputPlane)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, outC, g.outputHeight, g.outputWidth], scalars: out)
    }

    /// Small output planes make one product per image inefficient: unfold every image into one
    /// [C·k², N·plane] matrix and multiply once.
    static func batchedForward(_ x: Tensor, weight: Tensor, geometry g: ConvolutionGeometry, into out: inout [Float]) {
        let (n, outC, plane) = (x.shape[0], weight.shape[0], g.outputPlane)
        var columns = uninitializedFloats(g.patchSize * n * plane)
        var product = uninitializedFloats(outC * n * plane)
        x.scalars.withUnsafeBufferPointer { input in
            columns.withUnsafeMutableBufferPointer { col in
                for b in 0..<n {
                    g.unfold(input.baseAddress! + b * g.channels * g.height * g.width, into: col.baseAddress! + b * plane, rowStride: n * plane)
                }
            }
        }
        weight.scalars.withUnsafeBufferPointer { w in
            columns.withUnsafeBufferPointer { col in
                product.withUnsafeMutableBufferPointer { z in
                    gemm(w.baseAddress!, col.baseAddress!, z.baseAddress!, m: outC, n: n * plane, k: g.patchSize)
                }
            }
        }
        // [outC, N·plane] → [N, outC, plane], added onto the bias already in `out`.
        for c in 0..<outC {
            for b in 0..<n {
                let source = c * n * plane + b * plane, target = (b * outC + c) * plane
                for i in 0..<plane { out[target + i] += product[source + i] }
            }
        }
    }

    /// Gradients of conv2d with respect to its input and its weight, given the output gradient.
    package static func conv2dBackward(_ x: Tensor, weight: Tensor, outputGradient dy: Tensor, stride: Int, padding: Int,
                                       wantInput: Bool, wantWeight: Bool,
                                       algorithm: ConvolutionAlgorithm = .automatic) -> (input: Tensor?, weight: Tensor?) {
        let g = x.convolutionGeometry(kernel: weight.shape, stride: stride, padding: padding)
        let dx = wantInput ? fastInputGradient(weight: weight, outputGradient: dy, geometry: g, algorithm: algorithm) : nil
        let dw = wantWeight
            ? g.winogradTile(algorithm, images: x.shape[0]).map { winogradWeightGradient(x, outputGradient: dy, geometry: g, tile: $0) } : nil
        let unfoldInput = wantInput && dx == nil, unfoldWeight = wantWeight && dw == nil
        guard unfoldInput || unfoldWeight else { return (dx, dw) }
        let unfolded = unfoldedBackward(x, weight: weight, outputGradient: dy, geometry: g, wantInput: unfoldInput, wantWeight: unfoldWeight)
        return (dx ?? unfolded.input, dw ?? unfolded.weight)
    }

    /// The input gradient by a fast form, nil where unfolding (Wᵀ·dY, then folding) is faster. The
    /// input gradient is decided as a convolution of the output gradient (its channels) into the
    /// input's: for a 3×3, stride-1, padding-1 convolution it is exactly that, with the kernel
    /// transposed and turned by 180° (dX[ci] = Σ_co dY[co] ⋆ rot180(W[co, ci])), so Winograd applies too.
    static func fastInputGradient(weight: Tensor, outputGradient dy: Tensor, geometry g: ConvolutionGeometry,
                                  algorithm: ConvolutionAlgorithm) -> Tensor? {
        let (outC, inC) = (weight.shape[0], weight.shape[1])
        let adjoint = ConvolutionGeometry(channels: outC, height: g.height, width: g.width, kernelHeight: g.kernelHeight,
                                          kernelWidth: g.kernelWidth, stride: g.stride, padding: g.padding)
        switch adjoint.form(algorithm, images: dy.shape[0], outputChannels: inC) {
        case .winograd(let tile):
            var turned = uninitializedFloats(weight.count)
            for co in 0..<outC {
                for ci in 0..<inC {
                    for k in 0..<9 { turned[(ci * outC + co) * 9 + 8 - k] = weight.scalars[(co * inC + ci) * 9 + k] }
                }
            }
            var dx = [Float](repeating: 0, count: dy.shape[0] * inC * g.height * g.width)
            winogradForward(dy, weight: Tensor(shape: [inC, outC, 3, 3], scalars: turned), geometry: adjoint, tile: tile, into: &dx)
            return Tensor(shape: [dy.shape[0], inC, g.height, g.width], scalars: dx)
        case .direct:
            return directInputGradient(dy, weight: weight, geometry: g)
        case .unfolded:
            return nil
        }
    }

    /// Both gradients by im2col + sgemm: dW = dY·colsᵀ and dX = fold(Wᵀ·dY).
    static func unfoldedBackward(_ x: Tensor, weight: Tensor, outputGradient dy: Tensor, geometry g: ConvolutionGeometry,
                                 wantInput: Bool, wantWeight: Bool) -> (input: Tensor?, weight: Tensor?) {
        let (n, outC) = (x.shape[0], weight.shape[0])
        if g.batchesImages(n) {
            return batchedBackward(x, weight: weight, outputGradient: dy, geometry: g, wantInput: wantInput, wantWeight: wantWeight)
        }
        var dx = [Float](repeating: 0, count: wantInput ? x.count : 0)
        var dw = [Float](repeating: 0, count: wantWeight ? weight.count : 0)
        var columns = uninitializedFloats(g.patchSize * g.outputPlane)
        let imageSize = g.channels * g.height * g.width
        x.scalars.withUnsafeBufferPointer { input in
            weight.scalars.withUnsafeBufferPointer { w in
                dy.scalars.withUnsafeBufferPointer { gy in
                    columns.withUnsafeMutableBufferPointer { col in
                        dx.withUnsafeMutableBufferPointer { gx in
                            dw.withUnsafeMutableBufferPointer { gw in
                                for b in 0..<n {
                                    let image = input.baseAddress! + b * imageSize
                                    let upstream = gy.baseAddress! + b * outC * g.outputPlane
                                    if wantWeight {
                                        // dW += dY_b · colsᵀ
                                        let source: UnsafePointer<Float>
                                        if g.isPointwise { source = image } else {
                                            g.unfold(image, into: col.baseAddress!)
                                            source = UnsafePointer(col.baseAddress!)
                                        }
                                        gemm(upstream, source, gw.baseAddress!, m: outC, n: g.patchSize, k: g.outputPlane,
                                             transposeB: true, accumulate: true)
                                    }
                                    if wantInput {
                                        // dcols = Wᵀ · dY_b, folded back onto the image.
                                        if g.isPointwise {
                                            gemm(w.baseAddress!, upstream, gx.baseAddress! + b * imageSize,
                                                 m: g.patchSize, n: g.outputPlane, k: outC, transposeA: true)
                                        } else {
                                            gemm(w.baseAddress!, upstream, col.baseAddress!, m: g.patchSize, n: g.outputPlane, k: outC,
                                                 transposeA: true)
                                            g.fold(col.baseAddress!, into: gx.baseAddress! + b * imageSize)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (wantInput ? Tensor(shape: x.shape, scalars: dx) : nil, wantWeight ? Tensor(shape: weight.shape, scalars: dw) : nil)
    }
}

extension Tensor {
    static func batchedBackward(_ x: Tensor, weight: Tensor, outputGradient dy: Tensor, geometry g: ConvolutionGeometry,
                                wantInput: Bool, wantWeight: Bool) -> (input: Tensor?, weight: Tensor?) {
        let (n, outC, plane) = (x.shape[0], weight.shape[0], g.outputPlane)
        let imageSize = g.channels * g.height * g.width
        // dY as one [outC, N·plane] matrix.
        var upstream = uninitializedFloats(outC * n * plane)
        for c in 0..<outC {
            for b in 0..<n {
                let source = (b * outC + c) * plane, target = c * n * plane + b * plane
                for i in 0..<plane { upstream[target + i] = dy.scalars[source + i] }
            }
        }
        var columns = uninitializedFloats(g.patchSize * n * plane)
        var dw: Tensor? = nil, dx: Tensor? = nil
        if wantWeight {
            x.scalars.withUnsafeBufferPointer { input in
                columns.withUnsafeMutableBufferPointer { col in
                    for b in 0..<n { g.unfold(input.baseAddress! + b * imageSize, into: col.baseAddress! + b * plane, rowStride: n * plane) }
                }
            }
            var gradient = uninitializedFloats(weight.count)
            upstream.withUnsafeBufferPointer { gy in
                columns.withUnsafeBufferPointer { col in
                    gradient.withUnsafeMutableBufferPointer { gw in
                        gemm(gy.baseAddress!, col.baseAddress!, gw.baseAddress!, m: outC, n: g.patchSize, k: n * plane, transposeB: true)
                    }
                }
            }
            dw = Tensor(shape: weight.shape, scalars: gradient)
        }
        if wantInput {
            weight.scalars.withUnsafeBufferPointer { w in
                upstream.withUnsafeBufferPointer { gy in
                    columns.withUnsafeMutableBufferPointer { col in
                        gemm(w.baseAddress!, gy.baseAddress!, col.baseAddress!, m: g.patchSize, n: n * plane, k: outC, transposeA: true)
                    }
                }
            }
            var gradient = [Float](repeating: 0, count: x.count)
            columns.withUnsafeBufferPointer { col in
                gradient.withUnsafeMutableBufferPointer { gx in
                    for b in 0..<n { g.fold(col.baseAddress! + b * plane, into: gx.baseAddress! + b * imageSize, rowStride: n * plane) }
                }
            }
            dx = Tensor(shape: x.shape, scalars: gradient)
        }
        return (dx, dw)
    }
}

/// 2-D convolution (cross-correlation, as PyTorch's conv2d) with gradients for input, weight and bias.
public func conv2d(_ x: Variable, weight: Variable, bias: Variable? = nil, stride: Int = 1, padding: Int = 0) -> Variable {
    let (input, kernel) = (x.value, weight.value)
    let y = Tensor.conv2d(input, weight: kernel, bias: bias?.value, stride: stride, padding: padding)
    let parents = [x, weight] + (bias.map { [$0] } ?? [])
    return record(y, parents) { dy in
        let (dx, dw) = Tensor.conv2dBackward(input, weight: kernel, outputGradient: dy, stride: stride, padding: padding,
                                             wantInput: x.requiresGradient, wantWeight: weight.requiresGradient)
        var grads: [Tensor?] = [dx, dw]
        if let bias, bias.requiresGradient {
            grads.append(dy.summed(toShape: [1, kernel.shape[0], 1, 1]).reshaped([kernel.shape[0]]))
        }
        return grads
    }
}
