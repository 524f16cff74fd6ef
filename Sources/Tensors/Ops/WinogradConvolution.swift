import CKernels

/// How `conv2d` computes its forward product and its two gradients. No direction keeps
/// intermediates for another, so any mix of choices is exact.
public enum ConvolutionAlgorithm: String, CaseIterable, Sendable {
    /// Winograd where `ConvolutionGeometry.prefersWinograd` says it is faster, else unfolded.
    case automatic
    /// im2col + one sgemm per image (or per batch of small images): the plain reference.
    case unfolded
    /// Winograd F(2×2, 3×3): 16 sgemms on transformed 4×4 tiles, 2.25× fewer multiplications.
    /// Only for 3×3 kernels at stride 1, padding 1; other shapes unfold.
    case winograd

    /// What `.automatic` means in this process: itself, or one algorithm everywhere (set by
    /// `EngineRuntime.prepare` from DNR_CONVOLUTION, for measurements).
    nonisolated(unsafe) public static var automaticMeans: ConvolutionAlgorithm = .automatic
}

extension ConvolutionGeometry {
    /// The shapes Winograd F(2×2, 3×3) computes: 3×3, stride 1, padding 1 (same-size output).
    public var allowsWinograd: Bool {
        kernelHeight == 3 && kernelWidth == 3 && stride == 1 && padding == 1 && width <= 4096
    }

    /// Whether Winograd beats im2col + sgemm for `images` images. Measured per layer with `dnr bench
    /// conv` (AMD EPYC Zen 4, OpenBLAS Cooperlake, 2 threads): faster from 16 input channels once
    /// the batch has 256 tiles (a 32×32 plane at batch 1, 8×8 at batch 16), up to 2.2× at batch 16
    /// and 1.8× for the UNets' 64×64 layers at batch 1; slower on fewer tiles, where transforming
    /// the weights (16·outC·inC floats, every call) costs more than the products save, and with
    /// fewer input channels (the thin products run far below sgemm's peak). The weight gradient
    /// follows the forward's choice: at batch 16 it is 1.1–1.9× faster by Winograd on every layer
    /// measured (128→64 at 64×64: 85.8 → 46.2 ms).
    func prefersWinograd(images: Int) -> Bool {
        allowsWinograd && channels >= 16 && images * tilesPerImage >= 256
    }

    /// Whether `algorithm` (`.automatic` read as this process's `automaticMeans`) runs Winograd
    /// here (never where it does not apply); the forward and both gradients decide alike.
    func usesWinograd(_ algorithm: ConvolutionAlgorithm, images: Int) -> Bool {
        switch algorithm == .automatic ? ConvolutionAlgorithm.automaticMeans : algorithm {
        case .winograd: allowsWinograd
        case .automatic: prefersWinograd(images: images)
        case .unfolded: false
        }
    }

    var tilesPerImage: Int { ((height + 1) / 2) * ((width + 1) / 2) }
}

/// The most floats of transformed input and products held at once (64 MB each); larger batches
/// are computed a group of images at a time.
let maximumWinogradFloats = 16 * 1024 * 1024

extension Tensor {
    /// Adds the 3×3 convolution of `x` with `weight` (stride 1, padding 1) onto `out` [N, outC, H, W]
    /// by Winograd F(2×2, 3×3). Rounding differs from the unfolded product by about 1e-6 relative.
    static func winogradForward(_ x: Tensor, weight: Tensor, geometry g: ConvolutionGeometry, into out: inout [Float],
                                floatLimit: Int = maximumWinogradFloats) {
        precondition(g.allowsWinograd, "Winograd F(2×2, 3×3) needs a 3×3 kernel at stride 1, padding 1")
        let (n, inC, outC) = (x.shape[0], g.channels, weight.shape[0])
        let plane = g.height * g.width, tiles = g.tilesPerImage
        var u = uninitializedFloats(16 * outC * inC)
        weight.scalars.withUnsafeBufferPointer { w in
            u.withUnsafeMutableBufferPointer { dnr_winograd_weights(w.baseAddress!, outC, inC, $0.baseAddress!) }
        }
        let group = Swift.max(1, Swift.min(n, floatLimit / (16 * Swift.max(inC, outC) * tiles)))
        var v = uninitializedFloats(16 * inC * group * tiles)
        var m = uninitializedFloats(16 * outC * group * tiles)
        x.scalars.withUnsafeBufferPointer { input in
            u.withUnsafeBufferPointer { u in
                v.withUnsafeMutableBufferPointer { v in
                    m.withUnsafeMutableBufferPointer { m in
                        out.withUnsafeMutableBufferPointer { y in
                            for first in Swift.stride(from: 0, to: n, by: group) {
                                let images = Swift.min(group, n - first), columns = images * tiles
                                transformPlanes(input.baseAddress! + first * inC * plane, images: images, channels: inC, geometry: g,
                                                into: v.baseAddress!, transform: dnr_winograd_input_plane)
                                parallelProducts(16) { xi in
                                    gemm(u.baseAddress! + xi * outC * inC, v.baseAddress! + xi * inC * columns,
                                         m.baseAddress! + xi * outC * columns, m: outC, n: columns, k: inC,
                                         countedOperations: xi == 0 ? 2 * outC * inC * 9 * images * plane : 0)
                                }
                                parallelChunks(images * outC, costPerItem: 6 * plane) { items in
                                    for item in items {
                                        let (b, c) = item.quotientAndRemainder(dividingBy: outC)
                                        dnr_winograd_output_plane(m.baseAddress! + c * columns + b * tiles, outC * columns, g.height, g.width,
                                                                  y.baseAddress! + ((first + b) * outC + c) * plane)
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

/// Transforms `images` images of `channels` planes each (input tiles, or output-gradient tiles)
/// into the layout the 16 products read: component ξ is a [channels, images·tiles] matrix, every
/// image's tiles side by side.
private func transformPlanes(_ planes: UnsafePointer<Float>, images: Int, channels: Int, geometry g: ConvolutionGeometry,
                             into v: UnsafeMutablePointer<Float>,
                             transform: (UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>, Int) -> Void) {
    let plane = g.height * g.width, tiles = g.tilesPerImage, columns = images * tiles
    parallelChunks(images * channels, costPerItem: 8 * plane) { items in
        for item in items {
            let (b, c) = item.quotientAndRemainder(dividingBy: channels)
            transform(planes + (b * channels + c) * plane, g.height, g.width, v + c * columns + b * tiles, channels * columns)
        }
    }
}

extension Tensor {
    /// The weight gradient of a 3×3, stride-1, padding-1 convolution by Winograd F(2×2, 3×3): the
    /// adjoint of the forward. With V the input's transformed tiles and dM = A·dY·Aᵀ those of the
    /// output gradient, dU[ξ] = Σ over tiles dM[ξ]·V[ξ]ᵀ (16 products of [outC, tiles]·[tiles, inC]),
    /// and dW = Gᵀ·dU·G. V is computed again rather than kept from the forward (4× the input's size).
    static func winogradWeightGradient(_ x: Tensor, outputGradient dy: Tensor, geometry g: ConvolutionGeometry,
                                       floatLimit: Int = maximumWinogradFloats) -> Tensor {
        precondition(g.allowsWinograd, "Winograd F(2×2, 3×3) needs a 3×3 kernel at stride 1, padding 1")
        let (n, inC, outC) = (x.shape[0], g.channels, dy.shape[1])
        let plane = g.height * g.width, tiles = g.tilesPerImage
        let group = Swift.max(1, Swift.min(n, floatLimit / (16 * Swift.max(inC, outC) * tiles)))
        var v = uninitializedFloats(16 * inC * group * tiles)
        var dm = uninitializedFloats(16 * outC * group * tiles)
        var du = [Float](repeating: 0, count: 16 * outC * inC)
        x.scalars.withUnsafeBufferPointer { input in
            dy.scalars.withUnsafeBufferPointer { upstream in
                v.withUnsafeMutableBufferPointer { v in
                    dm.withUnsafeMutableBufferPointer { dm in
                        du.withUnsafeMutableBufferPointer { du in
                            for first in Swift.stride(from: 0, to: n, by: group) {
                                let images = Swift.min(group, n - first), columns = images * tiles
                                transformPlanes(input.baseAddress! + first * inC * plane, images: images, channels: inC, geometry: g,
                                                into: v.baseAddress!, transform: dnr_winograd_input_plane)
                                transformPlanes(upstream.baseAddress! + first * outC * plane, images: images, channels: outC, geometry: g,
                                                into: dm.baseAddress!, transform: dnr_winograd_output_gradient_plane)
                                parallelProducts(16) { xi in
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
        du.withUnsafeBufferPointer { du in dw.withUnsafeMutableBufferPointer { dnr_winograd_weights_adjoint(du.baseAddress!, outC, inC, $0.baseAddress!) } }
        return Tensor(shape: [outC, inC, 3, 3], scalars: dw)
    }
}

extension Tensor {
    /// A 3×3, stride-1, padding-1 convolution's input gradient is the same kind of convolution of the
    /// output gradient with the kernel transposed and turned by 180° (dX[ci] = Σ_co dY[co] ⋆ rot180(W[co, ci])),
    /// so Winograd computes it where it is faster than Wᵀ·dY and folding; nil where it is not.
    static func winogradInputGradient(weight: Tensor, outputGradient dy: Tensor, geometry g: ConvolutionGeometry,
                                      algorithm: ConvolutionAlgorithm) -> Tensor? {
        let (outC, inC) = (weight.shape[0], weight.shape[1])
        let adjoint = ConvolutionGeometry(channels: outC, height: g.height, width: g.width, kernelHeight: 3, kernelWidth: 3,
                                          stride: 1, padding: 1)
        guard g.allowsWinograd, adjoint.usesWinograd(algorithm, images: dy.shape[0]) else { return nil }
        var turned = uninitializedFloats(weight.count)
        for co in 0..<outC {
            for ci in 0..<inC {
                for k in 0..<9 { turned[(ci * outC + co) * 9 + 8 - k] = weight.scalars[(co * inC + ci) * 9 + k] }
            }
        }
        return conv2d(dy, weight: Tensor(shape: [inC, outC, 3, 3], scalars: turned), bias: nil, padding: 1, algorithm: .winograd)
    }
}
