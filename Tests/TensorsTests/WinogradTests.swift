import Testing
@testable import Tensors

/// Winograd F(2×2, 3×3) and F(4×4, 3×3) must compute the same convolution and gradients as direct
/// sums, for odd and even sizes, batches, biases, batches split into groups and planes that span
/// several chunks of tile rows; and the measured rule must pick each where it was fastest.
@Suite struct WinogradTests {
    /// The last two shapes span several chunks of tile rows in the transforms, and one tile row
    /// per chunk (the widest plane Winograd takes).
    @Test(arguments: [(1, 3, 5, 7, 4), (2, 16, 8, 8, 16), (3, 20, 9, 6, 5), (1, 1, 1, 1, 1), (2, 8, 2, 13, 3),
                      (1, 2, 97, 93, 2), (1, 1, 5, 1024, 1)])
    func winogradEqualsTheDirectSum(n: Int, c: Int, h: Int, w: Int, o: Int) {
        var generator = SeededGenerator(seed: UInt64(n * 1000 + c * 100 + h * 10 + w))
        let x = random([n, c, h, w], -1...1, &generator), weight = random([o, c, 3, 3], -0.3...0.3, &generator)
        let bias = random([o], -0.5...0.5, &generator)
        let reference = referenceConvolution(x, weight, bias)
        let unfolded = Tensor.conv2d(x, weight: weight, bias: bias, padding: 1, algorithm: .unfolded)
        let unfoldedError = zip(unfolded.scalars, reference).map { abs(Double($0) - $1) }.max()!
        // Outputs are of order 1; the unfolded product's own rounding is about 1e-7 here, F(2×2, 3×3)'s
        // about 1e-6 and F(4×4, 3×3)'s (its matrices hold 1/24, 8, −5) about 1e-5.
        for (algorithm, tolerance) in [(ConvolutionAlgorithm.winograd, 2e-6), (.winograd4, 2e-5)] {
            let winograd = Tensor.conv2d(x, weight: weight, bias: bias, padding: 1, algorithm: algorithm)
            #expect(winograd.shape == [n, o, h, w])
            let winogradError = zip(winograd.scalars, reference).map { abs(Double($0) - $1) }.max()!
            #expect(winogradError < tolerance, "max |\(algorithm) − direct| \(winogradError) (unfolded: \(unfoldedError))")
        }
    }

    @Test func aBatchComputedInGroupsEqualsOneGroup() {
        var generator = SeededGenerator(seed: 3)
        let x = random([5, 6, 10, 11], -1...1, &generator), weight = random([7, 6, 3, 3], -0.3...0.3, &generator)
        let g = x.convolutionGeometry(kernel: weight.shape, stride: 1, padding: 1)
        var whole = [Float](repeating: 0.5, count: 5 * 7 * 110), grouped = whole
        Tensor.winogradForward(x, weight: weight, geometry: g, tile: .two, into: &whole)
        // Room for two images' tiles at a time: groups of 2, 2 and 1.
        Tensor.winogradForward(x, weight: weight, geometry: g, tile: .two, into: &grouped, floatLimit: 16 * 7 * WinogradTile.two.tiles(g) * 2)
        #expect(whole == grouped)
        #expect(whole != [Float](repeating: 0.5, count: whole.count))
    }

    @Test func automaticPicksWinogradOnlyWhereItApplies() {
        var generator = SeededGenerator(seed: 5)
        let x = random([1, 16, 32, 32], -1...1, &generator), weight = random([8, 16, 3, 3], -0.2...0.2, &generator)
        let automatic = Tensor.conv2d(x, weight: weight, bias: nil, padding: 1)  // F(2×2, 3×3) here
        #expect(automatic == Tensor.conv2d(x, weight: weight, bias: nil, padding: 1, algorithm: .winograd))
        #expect(automatic != Tensor.conv2d(x, weight: weight, bias: nil, padding: 1, algorithm: .unfolded))
        // Stride 2 is not Winograd's shape, and a 16×16 plane at batch 1 has too few tiles: both unfold.
        let strided = Tensor.conv2d(x, weight: weight, bias: nil, stride: 2, padding: 1)
        #expect(strided == Tensor.conv2d(x, weight: weight, bias: nil, stride: 2, padding: 1, algorithm: .unfolded))
        let small = random([1, 16, 16, 16], -1...1, &generator)
        #expect(Tensor.conv2d(small, weight: weight, bias: nil, padding: 1)
                == Tensor.conv2d(small, weight: weight, bias: nil, padding: 1, algorithm: .unfolded))
        // Thin layers (3 input channels) unfold.
        let thinX = random([1, 3, 32, 32], -1...1, &generator), thinW = random([16, 3, 3, 3], -0.2...0.2, &generator)
        #expect(Tensor.conv2d(thinX, weight: thinW, bias: nil, padding: 1)
                == Tensor.conv2d(thinX, weight: thinW, bias: nil, padding: 1, algorithm: .unfolded))
    }

    @Test func theMeasuredRulePicksEachFormWhereItWasFastest() {
        func choice(channels: Int = 32, size: Int, images: Int, stride: Int = 1) -> WinogradTile? {
            ConvolutionGeometry(channels: channels, height: size, width: size, kernelHeight: 3, kernelWidth: 3, stride: stride, padding: 1)
                .preferredWinograd(images: images)
        }
        #expect(choice(size: 64, images: 1) == .four)   // 256 tiles of 4×4
        #expect(choice(size: 32, images: 16) == .four)
        #expect(choice(size: 32, images: 1) == .two)    // 64 tiles of 4×4, 256 of 2×2
        #expect(choice(size: 16, images: 16) == .two)   // planes under 32
        #expect(choice(size: 8, images: 16) == .two)
        #expect(choice(size: 16, images: 1) == nil)     // 64 tiles of 2×2
        #expect(choice(channels: 9, size: 64, images: 16) == nil)
        #expect(choice(size: 64, images: 16, stride: 2) == nil)
    }

    @Test(arguments: [(1, 3, 5, 7, 4), (2, 16, 8, 9, 20)])
    func winogradInputGradientEqualsTheUnfoldedOne(n: Int, c: Int, h: Int, w: Int, o: Int) {
        var generator = SeededGenerator(seed: UInt64(c * 31 + o))
        let x = random([n, c, h, w], -1...1, &generator), weight = random([o, c, 3, 3], -0.3...0.3, &generator)
        let dy = random([n, o, h, w], -1...1, &generator)
        let unfolded = Tensor.conv2dBackward(x, weight: weight, outputGradient: dy, stride: 1, padding: 1,
                                             wantInput: true, wantWeight: true, algorithm: .unfolded)
        // Relative to the gradient's largest magnitude (up to about 4 here).
        let scale = unfolded.input!.scalars.map { abs($0) }.max()!
        for (algorithm, tolerance) in [(ConvolutionAlgorithm.winograd, Float(1e-6)), (.winograd4, 1e-5)] {
            let winograd = Tensor.conv2dBackward(x, weight: weight, outputGradient: dy, stride: 1, padding: 1,
                                                 wantInput: true, wantWeight: true, algorithm: algorithm)
            let error = zip(winograd.input!.scalars, unfolded.input!.scalars).map { abs($0 - $1) }.max()! / scale
            #expect(error < tolerance, "max |\(algorithm) − unfolded| ÷ max |unfolded| of the input gradient: \(error)")
        }
    }

    /// dW[o, c, i, j] = Σ over images and output positions dY[o] · X[c] shifted by (i − 1, j − 1),
    /// summed in double precision.
    func directWeightGradient(_ x: Tensor, _ dy: Tensor) -> [Double] {
        let (n, c, h, wd, o) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], dy.shape[1])
        var dw = [Double](repeating: 0, count: o * c * 9)
        for oc in 0..<o { for ci in 0..<c { for i in 0..<3 { for j in 0..<3 {
            var sum = 0.0
            for b in 0..<n { for oy in 0..<h { for ox in 0..<wd {
                let (iy, ix) = (oy - 1 + i, ox - 1 + j)
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                sum += Double(dy.scalars[((b * o + oc) * h + oy) * wd + ox]) * Double(x.scalars[((b * c + ci) * h + iy) * wd + ix])
            } } }
            dw[((oc * c + ci) * 3 + i) * 3 + j] = sum
        } } } }
        return dw
    }

    @Test(arguments: [(1, 3, 5, 7, 4), (2, 16, 8, 9, 20), (3, 5, 1, 1, 2), (2, 4, 6, 3, 7), (1, 2, 97, 93, 2)])
    func winogradWeightGradientEqualsTheDirectSum(n: Int, c: Int, h: Int, w: Int, o: Int) {
        var generator = SeededGenerator(seed: UInt64(c * 37 + o * 3 + h))
        let x = random([n, c, h, w], -1...1, &generator), weight = random([o, c, 3, 3], -0.3...0.3, &generator)
        let dy = random([n, o, h, w], -1...1, &generator)
        let reference = directWeightGradient(x, dy)
        let unfolded = Tensor.conv2dBackward(x, weight: weight, outputGradient: dy, stride: 1, padding: 1,
                                             wantInput: false, wantWeight: true, algorithm: .unfolded).weight!
        // Sums of up to 9000 terms of order 1; errors relative to the largest |dW|. The unfolded
        // product's own is about 1e-7 here.
        let scale = reference.map { abs($0) }.max()!
        let unfoldedError = zip(unfolded.scalars, reference).map { abs(Double($0) - $1) }.max()! / scale
        for (algorithm, tolerance) in [(ConvolutionAlgorithm.winograd, 1e-6), (.winograd4, 1e-5)] {
            let winograd = Tensor.conv2dBackward(x, weight: weight, outputGradient: dy, stride: 1, padding: 1,
                                                 wantInput: false, wantWeight: true, algorithm: algorithm).weight!
            #expect(winograd.shape == [o, c, 3, 3])
            let winogradError = zip(winograd.scalars, reference).map { abs(Double($0) - $1) }.max()! / scale
            #expect(winogradError < tolerance, "max |\(algorithm) − direct| of dW, relative: \(winogradError) (unfolded: \(unfoldedError))")
        }
    }

    @Test func aWeightGradientComputedInGroupsEqualsOneGroup() {
        var generator = SeededGenerator(seed: 4)
        let x = random([5, 6, 10, 11], -1...1, &generator), dy = random([5, 7, 10, 11], -1...1, &generator)
        let g = x.convolutionGeometry(kernel: [7, 6, 3, 3], stride: 1, padding: 1)
        let whole = Tensor.winogradWeightGradient(x, outputGradient: dy, geometry: g, tile: .four)
        let grouped = Tensor.winogradWeightGradient(x, outputGradient: dy, geometry: g, tile: .four,
                                                    floatLimit: 36 * 7 * WinogradTile.four.tiles(g) * 2)
        // Only the order of the sums over images differs; dW is of order 20 here.
        let error = zip(whole.scalars, grouped.scalars).map { abs($0 - $1) }.max()! / whole.scalars.map { abs($0) }.max()!
        #expect(error < 1e-5, "groups of 2, 2 and 1 images against one group, relative: \(error)")
    }
}
