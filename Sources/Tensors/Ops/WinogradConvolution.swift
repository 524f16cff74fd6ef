import CKernels

/// How `conv2d` computes its forward product and its two gradients. No direction keeps
/// intermediates for another, so any mix of choices is exact.
public enum ConvolutionAlgorithm: String, CaseIterable, Sendable {
    /// Winograd where `ConvolutionGeometry.preferredWinograd` says it is faster, else the direct
    /// kernel where `prefersDirect` says so, else unfolded.
    case automatic
    /// im2col + one sgemm per image (or per batch of small images): the plain reference.
    case unfolded
    /// Winograd F(2×2, 3×3): 16 sgemms on transformed 4×4 tiles, 2.25× fewer multiplications.
    /// Only for 3×3 kernels at stride 1, padding 1; other shapes unfold.
    case winograd
    /// Winograd F(4×4, 3×3): 36 sgemms on 6×6 tiles, 4× fewer multiplications, rounding about
    /// ten times F(2×2, 3×3)'s. The same shapes.
    case winograd4
    /// The direct kernel (direct.c): sums over shifted runs of the zero-padded planes (their phase
    /// planes at stride s), nothing unfolded or repacked. Any shape; the weight gradient unfolds.
    case direct

    /// What `.automatic` means in this process: itself, or one algorithm everywhere (set by
    /// `EngineRuntime.prepare` from DNR_CONVOLUTION, for measurements).
    nonisolated(unsafe) public static var automaticMeans: ConvolutionAlgorithm = .automatic
}

/// Winograd's output tile: F(m×m, 3×3) computes m×m outputs from an (m + 2)×(m + 2) input tile.
public enum WinogradTile: Int, Sendable {
    case two = 2, four = 4

    /// α²: the products per convolution, one per component of a tile.
    var components: Int { (rawValue + 2) * (rawValue + 2) }
    var m: Int32 { Int32(rawValue) }

    func tiles(_ g: ConvolutionGeometry) -> Int {
        ((g.height + rawValue - 1) / rawValue) * ((g.width + rawValue - 1) / rawValue)
    }
}

extension ConvolutionGeometry {
    /// The shapes Winograd computes: 3×3, stride 1, padding 1 (same-size output), planes up to
    /// 1024 wide (the transforms keep a few rows of tiles on the stack).
    public var allowsWinograd: Bool {
        kernelHeight == 3 && kernelWidth == 3 && stride == 1 && padding == 1 && width <= 1024
    }

    /// The Winograd form that beats im2col + sgemm for `images` images, if one does. Measured per
    /// layer with `dnr bench conv` (AMD EPYC Zen 4, OpenBLAS Cooperlake, 2 threads; forward and
    /// weight gradient): both need 16 input channels (thinner products run far below sgemm's peak).
    /// F(4×4, 3×3) is fastest on planes from 32×32 once the batch has 256 of its tiles (the UNets'
    /// 64×64 layers at batch 1: 64→32 3.4 → 1.3 ms, unfolded → F(4×4); at batch 16 1.2–2× faster
    /// than unfolded, forward and weight gradient). F(2×2, 3×3) is faster than unfolded on smaller
    /// planes once the batch has 256 of its tiles (a 32×32 plane at batch 1, 8×8 at batch 16: up to
    /// 2×), and loses below that, where the products are too small to amortise the transforms.
    func preferredWinograd(images: Int) -> WinogradTile? {
        guard allowsWinograd, channels >= 16 else { return nil }
        if Swift.min(height, width) >= 32, images * WinogradTile.four.tiles(self) >= 256 { return .four }
        if images * WinogradTile.two.tiles(self) >= 256 { return .two }
        return nil
    }

    /// The Winograd form `algorithm` (`.automatic` read as this process's `automaticMeans`) runs
    /// here, nil for unfolded (always where Winograd does not apply); the forward and both
    /// gradients decide alike.
    func winogradTile(_ algorithm: ConvolutionAlgorithm, images: Int) -> WinogradTile? {
        guard allowsWinograd else { return nil }
        switch algorithm == .automatic ? ConvolutionAlgorithm.automaticMeans : algorithm {
        case .winograd: return .two
        case .winograd4: return .four
        case .automatic: return preferredWinograd(images: images)
        case .unfolded, .direct: return nil
        }
    }
}

/// The most floats of transformed input and products held at once (64 MB each); larger batches
/// are computed a group of images at a time.
let maximumWinogradFloats = 16 * 1024 * 1024

extension Tensor {
    /// Adds the 3×3 convolution of `x` with `weight` (stride 1, padding 1) onto `out` [N, outC, H, W]
    /// by Winograd F(m×m, 3×3). Rounding differs from the unfolded product by about 1e-6 relative
    /// for m = 2, 1e-5 for m = 4.
    static func winogradForward(_ x: Tensor, weight: Tensor, geometry g: ConvolutionGeometry, tile: WinogradTile,
                                into out: inout [Float], floatLimit: Int = maximumWinogradFloats) {
        precondition(g.allowsWinograd, "Winograd needs a 3×3 kernel at stride 1, padding 1")
        let (n, inC, outC) = (x.shape[0], g.channels, weight.shape[0])
        let plane = g.height * g.width, tiles = tile.tiles(g), components = tile.components
        var u = uninitializedFloats(components * outC * inC)
        weight.scalars.withUnsafeBufferPointer { w in
            u.withUnsafeMutableBufferPointer { dnr_winograd_weights(w.baseAddress!, outC, inC, tile.m, $0.baseAddress!) }
        }
        let group = imagesPerGroup(n, channels: Swift.max(inC, outC), tile: tile, geometry: g, floatLimit: floatLimit)
        var v = uninitializedFloats(components * inC * group * tiles)
        var m = uninitializedFloats(components * outC * group * tiles)
        x.scalars.withUnsafeBufferPointer { input in
            u.withUnsafeBufferPointer { u in
                v.withUnsafeMutableBufferPointer { v in
                    m.withUnsafeMutableBufferPointer { m in
                        out.withUnsafeMutableBufferPointer { y in
                            forEachGroup(of: n, size: group) { first, images in
                                let columns = images * tiles
                                transformPlanes(input.baseAddress! + first * inC * plane, images: images, channels: inC, geometry: g,
                                                tile: tile, into: v.baseAddress!, transform: dnr_winograd_input_plane)
                                parallelProducts(components) { xi in
                                    gemm(u.baseAddress! + xi * outC * inC, v.baseAddress! + xi * inC * columns,
                                         m.baseAddress! + xi * outC * columns, m: outC, n: columns, k: inC,
                                         countedOperations: xi == 0 ? 2 * outC * inC * 9 * images * plane : 0)
                                }
                                parallelChunks(images * outC, costPerItem: 6 * plane) { items in
                                    for item in items {
                                        let (b, c) = item.quotientAndRemainder(dividingBy: outC)
                                        dnr_winograd_output_plane(m.baseAddress! + c * columns + b * tiles, outC * columns, g.height, g.width,
                                                                  tile.m, y.baseAddress! + ((first + b) * outC + c) * plane)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// How many images of a batch are transformed at once: as many as keep the transformed tiles of
/// `channels` planes each within `floatLimit` floats, at least one.
private func imagesPerGroup(_ n: Int, channels: Int, tile: WinogradTile, geometry g: ConvolutionGeometry, floatLimit: Int) -> Int {
    Swift.max(1, Swift.min(n, floatLimit / (tile.components * channels * tile.tiles(g))))
}

/// Calls `body(first, count)` for consecutive groups of `size` images out of `n` (the last may be smaller).
private func forEachGroup(of n: Int, size: Int, _ body: (Int, Int) -> Void) {
    for first in Swift.stride(from: 0, to: n, by: size) { body(first, Swift.min(size, n - first)) }
}

/// Transforms `images` images of `channels` planes each (input tiles, or output-gradient tiles)
/// into the layout the products read: component ξ is a [channels, images·tiles] matrix, every
/// image's tiles side by side.
private func transformPlanes(_ planes: UnsafePointer<Float>, images: Int, channels: Int, geometry g: ConvolutionGeometry,
                             tile: WinogradTile, into v: UnsafeMutablePointer<Float>,
                             transform: (UnsafePointer<Float>, Int, Int, Int32, UnsafeMutablePointer<Float>, Int) -> Void) {
    let plane = g.height * g.width, tiles = tile.tiles(g), columns = images * tiles
    parallelChunks(images * channels, costPerItem: 8 * plane) { items in
        for item in items {
            let (b, c) = item.quotientAndRemainder(dividingBy: channels)
            transform(planes + (b * channels + c) * plane, g.height, g.width, tile.m, v + c * columns + b * tiles, channels * columns)
        }
    }
}

extension Tensor {
    /// The weight gradient of a 3×3, stride-1, padding-1 convolution by Winograd: the adjoint of
    /// the forward. With V the input's transformed tiles and dM = A·dY·Aᵀ those of the output
    /// gradient, dU[ξ] = Σ over tiles dM[ξ]·V[ξ]ᵀ (α² products of [outC, tiles]·[tiles, inC]), and
    /// dW = Gᵀ·dU·G. V is computed again rather than kept from the forward (4× the input's size).
    static func winogradWeightGradient(_ x: Tensor, outputGradient dy: Tensor, geometry g: ConvolutionGeometry, tile: WinogradTile,
                                       floatLimit: Int = maximumWinogradFloats) -> Tensor {
        precondition(g.allowsWinograd, "Winograd needs a 3×3 kernel at stride 1, padding 1")
        let (n, inC, outC) = (x.shape[0], g.channels, dy.shape[1])
        let plane = g.height * g.width, tiles = tile.tiles(g), components = tile.components
        let group = imagesPerGroup(n, channels: Swift.max(inC, outC), tile: tile, geometry: g, floatLimit: floatLimit)
        var v = uninitializedFloats(components * inC * group * tiles)
        var dm = uninitializedFloats(components * outC * group * tiles)
        var du = [Float](repeating: 0, count: components * outC * inC)
        x.scalars.withUnsafeBufferPointer { input in
            dy.scalars.withUnsafeBufferPointer { upstream in
                v.withUnsafeMutableBufferPointer { v in
                    dm.withUnsafeMutableBufferPointer { dm in
                        du.withUnsafeMutableBufferPointer { du in
                            forEachGroup(of: n, size: group) { first, images in
                                let columns = images * tiles
                                transformPlanes(input.baseAddress! + first * inC * plane, images: images, channels: inC, geometry: g,
                                                tile: tile, into: v.baseAddress!, transform: dnr_winograd_input_plane)
                                transformPlanes(upstream.baseAddress! + first * outC * plane, images: images, channels: outC, geometry: g,
                                                tile: tile, into: dm.baseAddress!, transform: dnr_winograd_output_gradient_plane)
                                parallelProducts(components) { xi in
                                    gemm(dm.baseAddress! + xi * outC * columns, v.baseAddress! + xi * inC * columns,
                                         du.baseAddress! + xi * outC * inC, m: outC, n: inC, k: columns, transposeB: true, accumulate: true,
                                         countedOperations: xi == 0 ? 2 * outC * inC * 9 * images * plane : 0)
                                }
                            }
                        }
                    }
                }
            }
        }
        var dw = uninitializedFloats(outC * inC * 9)
        du.withUnsafeBufferPointer { du in
            dw.withUnsafeMutableBufferPointer { dnr_winograd_weights_adjoint(du.baseAddress!, outC, inC, tile.m, $0.baseAddress!) }
        }
        return Tensor(shape: [outC, inC, 3, 3], scalars: dw)
    }
}
