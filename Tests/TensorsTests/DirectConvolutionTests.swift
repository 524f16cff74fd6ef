import Testing
import CKernels
@testable import Tensors

/// The direct kernel must compute the same convolution and input gradient as double-precision sums
/// and the unfolded product: odd sizes, output channels that fill no whole register block, batches,
/// a plane one position wide, vector counts that leave partial chunks, any kernel, stride and
/// padding; and the measured rule must pick it only where it was fastest.
@Suite struct DirectConvolutionTests {
    /// (images, input channels, height, width, output channels). With 16 lanes a 5×7 plane is 45
    /// positions of the padded rows (3 vectors: one chunk), 9×6 is 72 (5: chunks of 3 and 2), 37×37 is
    /// 1443 (91: thirty chunks of 3 and one of 1).
    @Test(arguments: [(1, 3, 5, 7, 4), (2, 16, 8, 9, 20), (3, 20, 9, 6, 5), (1, 1, 1, 1, 1), (2, 8, 2, 13, 3),
                      (1, 32, 37, 37, 32), (1, 24, 5, 5, 9)])
    func directEqualsTheDoublePrecisionSum(n: Int, c: Int, h: Int, w: Int, o: Int) {
        var generator = SeededGenerator(seed: UInt64(n * 1000 + c * 100 + h * 10 + w + 7))
        let x = random([n, c, h, w], -1...1, &generator), weight = random([o, c, 3, 3], -0.3...0.3, &generator)
        let bias = random([o], -0.5...0.5, &generator)
        let reference = referenceConvolution(x, weight, bias)
        let direct = Tensor.conv2d(x, weight: weight, bias: bias, padding: 1, algorithm: .direct)
        #expect(direct.shape == [n, o, h, w])
        // Outputs are of order 1 (up to about 7 for 32 channels); float sums of up to 288 terms.
        let error = zip(direct.scalars, reference).map { abs(Double($0) - $1) }.max()!
        #expect(error < 4e-6, "max |direct − reference| \(error)")
    }

    /// Any kernel, stride and padding: (images, channels, height, width, outputs, kernel, stride,
    /// padding) — the recognizer's stem and downsampling shapes, odd sizes whose last rows no output
    /// reads, a 1×1 kernel at stride 2 (phases without taps), and padding wider than the stride.
    @Test(arguments: [(1, 3, 23, 21, 10, 7, 2, 0), (2, 16, 9, 11, 20, 3, 2, 0), (1, 5, 8, 8, 9, 3, 2, 1), (1, 6, 7, 9, 4, 1, 2, 0),
                      (1, 4, 10, 10, 3, 5, 3, 2), (1, 7, 6, 5, 5, 3, 1, 0), (1, 2, 9, 8, 3, 4, 1, 3)])
    func anyGeometryEqualsTheUnfoldedConvolution(n: Int, c: Int, h: Int, w: Int, o: Int, k: Int, stride: Int, padding: Int) {
        var generator = SeededGenerator(seed: UInt64(c * 97 + h * 13 + k * 5 + stride))
        let x = random([n, c, h, w], -1...1, &generator), weight = random([o, c, k, k], -0.3...0.3, &generator)
        let bias = random([o], -0.5...0.5, &generator)
        let unfolded = Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, algorithm: .unfolded)
        let direct = Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, algorithm: .direct)
        #expect(direct.shape == unfolded.shape)
        let error = zip(direct.scalars, unfolded.scalars).map { abs($0 - $1) }.max()!
        #expect(error < 4e-6, "max |direct − unfolded| \(error)")
        let dy = random(unfolded.shape, -1...1, &generator)
        let reference = Tensor.conv2dBackward(x, weight: weight, outputGradient: dy, stride: stride, padding: padding,
                                              wantInput: true, wantWeight: false, algorithm: .unfolded).input!
        let gradient = Tensor.conv2dBackward(x, weight: weight, outputGradient: dy, stride: stride, padding: padding,
                                             wantInput: true, wantWeight: false, algorithm: .direct).input!
        let gradientError = zip(gradient.scalars, reference.scalars).map { abs($0 - $1) }.max()!
        #expect(gradientError < 4e-6, "max |direct − unfolded| of the input gradient \(gradientError)")
    }

    @Test(arguments: [(1, 3, 5, 7, 4), (2, 16, 8, 9, 20), (1, 24, 5, 5, 9), (1, 32, 19, 19, 64)])
    func directInputGradientEqualsTheUnfoldedOne(n: Int, c: Int, h: Int, w: Int, o: Int) {
        var generator = SeededGenerator(seed: UInt64(c * 31 + o + 3))
        let x = random([n, c, h, w], -1...1, &generator), weight = random([o, c, 3, 3], -0.3...0.3, &generator)
        let dy = random([n, o, h, w], -1...1, &generator)
        let unfolded = Tensor.conv2dBackward(x, weight: weight, outputGradient: dy, stride: 1, padding: 1,
                                             wantInput: true, wantWeight: true, algorithm: .unfolded)
        let direct = Tensor.conv2dBackward(x, weight: weight, outputGradient: dy, stride: 1, padding: 1,
                                           wantInput: true, wantWeight: true, algorithm: .direct)
        let scale = unfolded.input!.scalars.map { abs($0) }.max()!
        let error = zip(direct.input!.scalars, unfolded.input!.scalars).map { abs($0 - $1) }.max()! / scale
        #expect(error < 1e-6, "max |direct − unfolded| ÷ max |unfolded| of the input gradient: \(error)")
        // The weight gradient has no direct form: it is the unfolded one.
        #expect(direct.weight! == unfolded.weight!)
    }

    @Test func theMeasuredRulePicksDirectOnSmallPlanesAtBatchOneAndTwo() {
        func form(channels: Int = 32, outputs: Int = 32, size: Int, images: Int, stride: Int = 1) -> ConvolutionForm {
            ConvolutionGeometry(channels: channels, height: size, width: size, kernelHeight: 3, kernelWidth: 3, stride: stride, padding: 1)
                .form(.automatic, images: images, outputChannels: outputs)
        }
        #expect(form(size: 37, images: 1) == .direct)   // the recognizer's layers
        #expect(form(channels: 256, outputs: 256, size: 3, images: 1) == .direct)
        #expect(form(channels: 256, outputs: 256, size: 1, images: 1) == .unfolded)  // one useful tap
        #expect(form(size: 16, images: 2) == .direct)
        #expect(form(size: 32, images: 1) == .direct)   // before F(2×2, 3×3)
        #expect(form(size: 64, images: 1) == .winograd(.four))  // F(4×4, 3×3) first
        #expect(form(size: 8, images: 16) == .winograd(.two))
        #expect(form(size: 37, images: 16) == .winograd(.four))
        #expect(form(size: 37, images: 1, stride: 2) == .unfolded)
        let stem = ConvolutionGeometry(channels: 3, height: 150, width: 150, kernelHeight: 7, kernelWidth: 7, stride: 2, padding: 0)
        #expect(stem.form(.automatic, images: 1, outputChannels: 32) == .direct)
        let stemGradient = ConvolutionGeometry(channels: 32, height: 150, width: 150, kernelHeight: 7, kernelWidth: 7, stride: 2, padding: 0)
        #expect(stemGradient.form(.automatic, images: 1, outputChannels: 3) == .unfolded)
        #expect(form(outputs: 8, size: 16, images: 1) == .unfolded)  // thin layers unfold
        #expect(form(channels: 3, size: 16, images: 1) == .unfolded)
    }

    /// Every kernel variant this CPU runs (the automatic path uses only the best), on a shape that
    /// leaves partial register blocks and chunks for each tile size.
    @Test func everyVariantComputesTheSameConvolution() {
        var generator = SeededGenerator(seed: 41)
        let (n, c, h, w, o) = (2, 12, 7, 6, 13)
        let x = random([n, c, h, w], -1...1, &generator), weight = random([o, c, 3, 3], -0.3...0.3, &generator)
        let bias = random([o], -0.5...0.5, &generator)
        let reference = referenceConvolution(x, weight, bias)
        let g = x.convolutionGeometry(kernel: weight.shape, stride: 1, padding: 1)
        for variant in 0...bestDirectVariant {
            let out = Tensor.directForward(x, weight: weight, bias: bias, geometry: g, variant: variant)
            let error = zip(out.scalars, reference).map { abs(Double($0) - $1) }.max()!
            #expect(error < 4e-6, "variant \(variant) (\(dnr_direct_lanes(variant)) lanes): max |direct − reference| \(error)")
        }
        // 16 × 8 with AVX-512, 8 × 4 with AVX2, 4 × 4 otherwise: each tile fits the registers it has.
        if String(cString: dnr_kernels_variant()) == "avx512" { #expect(bestDirectVariant == 2) }
    }
}
