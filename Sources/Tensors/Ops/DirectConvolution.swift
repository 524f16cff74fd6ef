import CKernels

extension ConvolutionGeometry {
    /// Whether the direct kernel beats im2col + sgemm and Winograd F(2×2, 3×3) for `images` images
    /// (F(4×4, 3×3) is asked first). Measured per layer with `dnr bench conv` (AMD EPYC Zen 4,
    /// OpenBLAS Cooperlake, 2 threads, forward and input gradient alike):
    /// - 3×3 kernels at stride 1 on planes from 3×3 up to 40×40 at batch 1 and 2: the fastest form
    ///   (the recognizer's layers at batch 1, forward / input gradient, unfolded → direct: 35×35
    ///   0.25 / 0.32 → 0.23 / 0.25 ms, 17×17 0.28 / 0.29 → 0.22 / 0.21, 8×8 0.28 / 0.25 → 0.20 / 0.20,
    ///   3×3 0.35 / 0.23 → 0.16 / 0.18; its last, 1×1, 0.06 → 0.14: one useful tap of nine); at batch
    ///   16 F(2×2, 3×3) is 1.4–1.8× faster than it (fewer multiplications, products large enough for
    ///   sgemm), and on 64×64 planes F(4×4, 3×3) is.
    /// - Large kernels at stride 2 (the recognizer's 7×7 stem, 3 → 32 channels at 150×150): 0.56–0.86
    ///   → 0.36–0.70 ms. Not its input gradient (3 output channels fill a register block poorly), nor
    ///   the 3×3 stride-2 layers (level with unfolded forward, 1.3–1.9× slower backward: four phases).
    func prefersDirect(images: Int, outputChannels: Int) -> Bool {
        guard images <= 2, outputChannels >= 16 else { return false }
        if kernelHeight == 3 && kernelWidth == 3 && stride == 1 && padding == 1 {
            return channels >= 16 && Swift.min(height, width) >= 3 && height * width <= 40 * 40
        }
        return stride == 2 && kernelHeight >= 5 && kernelWidth >= 5
    }

    /// How the forward product and the input gradient are computed for `algorithm` (`.automatic`
    /// read as this process's `automaticMeans`); the weight gradient asks `winogradTile` alone.
    func form(_ algorithm: ConvolutionAlgorithm, images: Int, outputChannels: Int) -> ConvolutionForm {
        let resolved = algorithm == .automatic ? ConvolutionAlgorithm.automaticMeans : algorithm
        if resolved == .direct { return .direct }
        let tile = winogradTile(algorithm, images: images)
        if resolved == .automatic, tile != .four, prefersDirect(images: images, outputChannels: outputChannels) { return .direct }
        return tile.map { .winograd($0) } ?? .unfolded
    }
}

/// The direct kernel's fastest variant on this CPU.
let bestDirectVariant = dnr_direct_best_variant()

/// What computes a convolution's forward product (and its input gradient).
enum ConvolutionForm: Equatable {
    case unfolded, winograd(WinogradTile), direct
}

/// One product of the direct kernel (direct.c): `outputs` channels of `rows` × `columns` positions,
/// flattened with row stride `rowStride` (the positions past each row's columns are computed and
/// dropped), from `channels` planes `planeStride` apart, one term per tap (where it reads the plane,
/// where its weight lies).
private struct DirectProduct {
    let channels: Int, planeStride: Int, outputs: Int
    let weightRowStride: Int, weightChannelStride: Int
    let inputOffsets: [Int], weightOffsets: [Int]
    let rows: Int, columns: Int, rowStride: Int, lanes: Int, block: Int

    var vectors: Int { (rows * rowStride + lanes - 1) / lanes }
    var zStride: Int { vectors * lanes }
    /// Floats the kernel reads past the last plane's start.
    var reach: Int { zStride + (inputOffsets.max() ?? 0) }

    /// z [outputs][zStride] ← the sums, spread over the engine's workers.
    func run(variant: Int32, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, z: UnsafeMutablePointer<Float>) {
        let items = (outputs + block - 1) / block * ((vectors + 2) / 3)
        inputOffsets.withUnsafeBufferPointer { inputOffsets in
            weightOffsets.withUnsafeBufferPointer { weightOffsets in
                var problem = dnr_direct_problem(x: input, channels: channels, planeStride: planeStride, w: weight,
                                                 rowStride: weightRowStride, channelStride: weightChannelStride,
                                                 inputOffsets: inputOffsets.baseAddress, weightOffsets: weightOffsets.baseAddress,
                                                 taps: inputOffsets.count, outputs: outputs, vectors: vectors, z: z, zStride: zStride)
                FLOPCounter.product(2 * outputs * channels * inputOffsets.count * rows * columns) {
                    withUnsafePointer(to: &problem) { problem in
                        parallelChunks(items, costPerItem: 3 * lanes * block * channels * inputOffsets.count) { range in
                            dnr_direct_items(variant, problem, range.lowerBound, range.count)
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// conv2d by the direct kernel (direct.c), any kernel size, stride and padding: output position
    /// (y, x) sums tap (ky, kx) of the input's phase plane (ky mod s, kx mod s) at (y + ky / s, x + kx / s).
    /// Each sum runs over the unfolded product's terms in another order: rounding differs by about
    /// 1e-6 relative. `variant` picks the kernel's instruction set (tests run each the CPU has).
    static func directForward(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, geometry g: ConvolutionGeometry,
                              variant: Int32 = bestDirectVariant) -> Tensor {
        let (n, inC, outC, s) = (x.shape[0], g.channels, weight.shape[0], g.stride)
        let (kh, kw, oh, ow) = (g.kernelHeight, g.kernelWidth, g.outputHeight, g.outputWidth)
        let hq = oh + (kh + s - 1) / s - 1, wq = ow + (kw + s - 1) / s - 1
        var inputOffsets: [Int] = [], weightOffsets: [Int] = []
        for ky in 0..<kh {
            for kx in 0..<kw {
                inputOffsets.append(((ky % s) * s + kx % s) * hq * wq + (ky / s) * wq + kx / s)
                weightOffsets.append(ky * kw + kx)
            }
        }
        let product = DirectProduct(channels: inC, planeStride: s * s * hq * wq, outputs: outC, weightRowStride: inC * kh * kw,
                                    weightChannelStride: kh * kw, inputOffsets: inputOffsets, weightOffsets: weightOffsets,
                                    rows: oh, columns: ow, rowStride: wq, lanes: dnr_direct_lanes(variant), block: dnr_direct_channel_block(variant))
        let planesEnd = inC * product.planeStride
        let biasScalars = bias?.scalars
        let out = withDirectBuffers(planes: planesEnd - product.planeStride + Swift.max(product.planeStride, product.reach),
                                    zeroFrom: planesEnd, sums: outC * product.zStride, output: n * outC * oh * ow) { planes, z, y in
            x.scalars.withUnsafeBufferPointer { input in
                weight.scalars.withUnsafeBufferPointer { kernel in
                    for b in 0..<n {
                        dnr_direct_phase_planes(input.baseAddress! + b * inC * g.height * g.width, inC, g.height, g.width, s,
                                                g.padding, g.padding, hq, wq, planes, product.planeStride)
                        product.run(variant: variant, input: planes, weight: kernel.baseAddress!, z: z)
                        storeWithBias(biasScalars) { bias in
                            dnr_direct_store(z, product.zStride, wq, outC, oh, ow, bias, y + b * outC * oh * ow, oh * ow, 0, ow, 1)
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, outC, oh, ow], scalars: out)
    }

    /// conv2d's input gradient by the direct kernel, any kernel size, stride and padding. With
    /// iy + p = s·a + ry, dX[c, iy, ix] = Σ_o Σ_(qy, qx) W[o, c, s·qy + ry, s·qx + rx] · dY[o, a − qy, b − qx]:
    /// for each of the s² phases (ry, rx), a stride-1 convolution of the zero-padded output gradient
    /// with the kernel's taps of that phase, turned by 180° and read transposed in place.
    static func directInputGradient(_ dy: Tensor, weight: Tensor, geometry g: ConvolutionGeometry,
                                    variant: Int32 = bestDirectVariant) -> Tensor {
        let (n, outC, inC, s, p) = (dy.shape[0], weight.shape[0], g.channels, g.stride, g.padding)
        let (kh, kw, oh, ow, h, w) = (g.kernelHeight, g.kernelWidth, g.outputHeight, g.outputWidth, g.height, g.width)
        let (kqh, kqw) = ((kh + s - 1) / s, (kw + s - 1) / s)
        /// The phase-r rows (or columns) a = first ..< first + count whose input row s·a + r − p lies in the plane.
        func span(_ r: Int, size: Int) -> (first: Int, count: Int) {
            let first = Swift.max(0, -floorDivide(r - p, s))
            return (first, Swift.max(0, floorDivide(size - 1 + p - r, s) - first + 1))
        }
        let rowSpans = (0..<s).map { span($0, size: h) }, columnSpans = (0..<s).map { span($0, size: w) }
        let shiftY = rowSpans.map(\.first).min()!, shiftX = columnSpans.map(\.first).min()!
        let (top, left) = (kqh - 1 - shiftY, kqw - 1 - shiftX)
        let hd = Swift.max(top + oh, rowSpans.map { $0.first + $0.count }.max()! + kqh - 1 - shiftY)
        let wd = Swift.max(left + ow, columnSpans.map { $0.first + $0.count }.max()! + kqw - 1 - shiftX)
        let (lanes, block) = (dnr_direct_lanes(variant), dnr_direct_channel_block(variant))
        var phases: [(product: DirectProduct, base: Int, first: Int, rows: Int, columns: Int)] = []
        for ry in 0..<s {
            for rx in 0..<s where rowSpans[ry].count > 0 && columnSpans[rx].count > 0 {
                var inputOffsets: [Int] = [], weightOffsets: [Int] = []
                for qy in 0..<kqh {
                    for qx in 0..<kqw {
                        let (ky, kx) = (s * (kqh - 1 - qy) + ry, s * (kqw - 1 - qx) + rx)
                        guard ky < kh, kx < kw else { continue }
                        inputOffsets.append(qy * wd + qx)
                        weightOffsets.append(ky * kw + kx)
                    }
                }
                let (a0, b0) = (rowSpans[ry].first, columnSpans[rx].first)
                let product = DirectProduct(channels: outC, planeStride: hd * wd, outputs: inC, weightRowStride: kh * kw,
                                            weightChannelStride: inC * kh * kw, inputOffsets: inputOffsets, weightOffsets: weightOffsets,
                                            rows: rowSpans[ry].count, columns: columnSpans[rx].count, rowStride: wd, lanes: lanes, block: block)
                phases.append((product, (a0 - shiftY) * wd + (b0 - shiftX), (s * a0 + ry - p) * w + (s * b0 + rx - p),
                               rowSpans[ry].count, columnSpans[rx].count))
            }
        }
        let planesEnd = outC * hd * wd
        let reach = phases.map { $0.base + $0.product.reach }.max() ?? 0
        // Every input position belongs to one phase, but a phase with no taps (a kernel smaller than
        // its stride) still stores its zeros.
        let dx = withDirectBuffers(planes: planesEnd - hd * wd + Swift.max(hd * wd, reach), zeroFrom: planesEnd,
                                   sums: inC * (phases.map(\.product.zStride).max() ?? 0), output: n * inC * h * w) { planes, z, gx in
            dy.scalars.withUnsafeBufferPointer { upstream in
                weight.scalars.withUnsafeBufferPointer { kernel in
                    for b in 0..<n {
                        dnr_direct_phase_planes(upstream.baseAddress! + b * outC * oh * ow, outC, oh, ow, 1, top, left, hd, wd, planes, hd * wd)
                        for phase in phases {
                            phase.product.run(variant: variant, input: planes + phase.base, weight: kernel.baseAddress!, z: z)
                            dnr_direct_store(z, phase.product.zStride, wd, inC, phase.rows, phase.columns, nil,
                                             gx + b * inC * h * w, h * w, phase.first, s * w, s)
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, inC, h, w], scalars: dx)
    }
}

/// The buffers of a direct convolution: `planes` floats of input planes (zero from `zeroFrom`: the
/// slack the last vectors read past the planes), `sums` floats for the products, and the `output`
/// floats that `body` fills and this returns.
private func withDirectBuffers(planes: Int, zeroFrom planesEnd: Int, sums: Int, output: Int,
                               _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void)
    -> [Float] {
    var planeBuffer = uninitializedFloats(planes), z = uninitializedFloats(sums), out = uninitializedFloats(output)
    for i in planesEnd..<planes { planeBuffer[i] = 0 }
    planeBuffer.withUnsafeMutableBufferPointer { p in
        z.withUnsafeMutableBufferPointer { z in
            out.withUnsafeMutableBufferPointer { y in body(p.baseAddress!, z.baseAddress!, y.baseAddress!) }
        }
    }
    return out
}

/// Calls `body` with a pointer to `bias`'s scalars, or nil without a bias.
private func storeWithBias(_ bias: [Float]?, _ body: (UnsafePointer<Float>?) -> Void) {
    guard let bias else { return body(nil) }
    bias.withUnsafeBufferPointer { body($0.baseAddress) }
}
