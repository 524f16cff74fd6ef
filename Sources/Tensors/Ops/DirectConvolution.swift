import CKernels

extension ConvolutionGeometry {
    /// The shapes the direct kernel computes: Winograd's (3×3, stride 1, padding 1).
    var allowsDirect: Bool { kernelHeight == 3 && kernelWidth == 3 && stride == 1 && padding == 1 }

    /// Whether the direct kernel beats im2col + sgemm and Winograd F(2×2, 3×3) for `images` images
    /// (F(4×4, 3×3) is asked first). Measured per layer with `dnr bench conv` (AMD EPYC Zen 4,
    /// OpenBLAS Cooperlake, 2 threads, forward and input gradient alike): on planes up to 40×40 at
    /// batch 1 and 2 it is the fastest form, 1.2–1.7× the next (the recognizer's 37×37 … 5×5 layers at
    /// batch 1: 0.26 → 0.21, 0.29 → 0.20, 0.32 → 0.23, 0.51 → 0.31 ms); at batch 16 F(2×2, 3×3) is
    /// 1.4–1.8× faster than it (fewer multiplications, products large enough for sgemm), and on
    /// 64×64 planes F(4×4, 3×3) is.
    func prefersDirect(images: Int, outputChannels: Int) -> Bool {
        allowsDirect && channels >= 16 && outputChannels >= 16 && images <= 2 && height * width <= 40 * 40
    }

    /// How the forward product and the input gradient are computed for `algorithm` (`.automatic`
    /// read as this process's `automaticMeans`); the weight gradient asks `winogradTile` alone.
    func form(_ algorithm: ConvolutionAlgorithm, images: Int, outputChannels: Int) -> ConvolutionForm {
        let resolved = algorithm == .automatic ? ConvolutionAlgorithm.automaticMeans : algorithm
        if resolved == .direct { return allowsDirect ? .direct : .unfolded }
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

extension Tensor {
    /// The 3×3 convolution of `x` with `weight` (stride 1, padding 1) plus `bias`, [N, outC, H, W],
    /// by the direct kernel (direct.c). With `turned`, the kernel is `weight` transposed and turned
    /// by 180° (a convolution's input gradient), read in place. Each sum runs over the unfolded
    /// product's terms in another order: rounding differs by about 1e-6 relative.
    /// `variant` picks the kernel's instruction set (direct.c; tests run each the CPU has).
    static func directForward(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, turned: Bool = false, geometry g: ConvolutionGeometry,
                              variant: Int32 = bestDirectVariant) -> Tensor {
        precondition(g.allowsDirect, "the direct kernel needs a 3×3 kernel at stride 1, padding 1")
        let (n, inC, h, w, wp) = (x.shape[0], g.channels, g.height, g.width, g.width + 2)
        let outC = turned ? weight.shape[1] : weight.shape[0]
        precondition((turned ? weight.shape[0] : weight.shape[1]) == inC, "direct convolution: weight \(weight.shape) for \(inC) channels")
        let lanes = dnr_direct_lanes(variant), block = dnr_direct_channel_block(variant)
        let vectors = (h * wp + lanes - 1) / lanes, zStride = vectors * lanes
        let planeStride = (h + 2) * wp
        // The last plane's final vectors read up to 2·wp + 2 floats past its end (positions that are dropped).
        var padded = uninitializedFloats(inC * planeStride + zStride + 2 * wp + 2)
        for i in (inC * planeStride)..<padded.count { padded[i] = 0 }
        var z = uninitializedFloats(outC * zStride)
        var out = uninitializedFloats(n * outC * h * w)
        let items = (outC + block - 1) / block * ((vectors + 2) / 3)
        let hasBias = bias != nil, biasScalars = bias?.scalars ?? [Float](repeating: 0, count: outC)
        let layout = turned
            ? (rowStride: 9, channelStride: outC * 9, tapFirst: 8, tapStep: -1)
            : (rowStride: inC * 9, channelStride: 9, tapFirst: 0, tapStep: 1)
        x.scalars.withUnsafeBufferPointer { input in
            weight.scalars.withUnsafeBufferPointer { kernel in
                var weights = dnr_direct_weights(w: kernel.baseAddress!, rowStride: layout.rowStride, channelStride: layout.channelStride,
                                                 tapFirst: layout.tapFirst, tapStep: layout.tapStep)
                padded.withUnsafeMutableBufferPointer { padded in
                    z.withUnsafeMutableBufferPointer { z in
                        out.withUnsafeMutableBufferPointer { y in
                            biasScalars.withUnsafeBufferPointer { bias in
                                for b in 0..<n {
                                    dnr_direct_pad_planes(input.baseAddress! + b * inC * h * w, inC, h, w, padded.baseAddress!, planeStride)
                                    let (source, sums) = (UnsafePointer(padded.baseAddress!), z.baseAddress!)
                                    FLOPCounter.product(2 * outC * inC * 9 * h * w) {
                                        withUnsafePointer(to: &weights) { weights in
                                            parallelChunks(items, costPerItem: 3 * lanes * block * inC * 9) { range in
                                                dnr_direct_items(variant, source, inC, planeStride, wp, weights, outC, vectors,
                                                                 range.lowerBound, range.count, sums, zStride)
                                            }
                                        }
                                    }
                                    dnr_direct_store_output(z.baseAddress!, zStride, outC, h, w, hasBias ? bias.baseAddress : nil,
                                                            y.baseAddress! + b * outC * h * w)
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, outC, h, w], scalars: out)
    }
}
