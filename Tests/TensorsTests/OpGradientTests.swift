import Testing
@testable import Tensors

@Suite struct ArithmeticGradientTests {
    @Test func broadcastingBinaryOps() {
        let a = random([2, 3, 4], seed: 1), b = random([3, 1], seed: 2), c = random([4], seed: 3)
        checkGradients([a, b]) { $0[0] + $0[1] }
        checkGradients([a, b]) { $0[0] - $0[1] }
        checkGradients([a, b]) { $0[0] * $0[1] }
        checkGradients([a, c]) { $0[0] * $0[1] }
        checkGradients([a, random([3, 1], seed: 4, in: 0.5...1.5)]) { $0[0] / $0[1] }
        checkGradients([random([2, 1, 4], seed: 5), random([1, 3, 1], seed: 6)]) { $0[0] * $0[1] + $0[1] }
    }

    @Test func unaryOps() {
        let x = random([3, 5], seed: 7)
        checkGradients([x]) { $0[0] * 3 + 1 }
        checkGradients([x]) { -$0[0] }
        checkGradients([x]) { $0[0].squared() }
        checkGradients([x]) { $0[0].exp() }
        checkGradients([random([3, 5], seed: 8, in: 0.5...2)]) { $0[0].log() }
        checkGradients([random([3, 5], seed: 9, in: 0.5...2)]) { $0[0].squareRoot() }
        checkGradients([awayFromZero([3, 5], seed: 10)]) { $0[0].abs() }
        checkGradients([awayFromZero([3, 5], seed: 11).map { $0 * 1.5 }]) { $0[0].clamped(-0.95, 0.95) }
    }

    @Test func activations() {
        let x = awayFromZero([2, 3, 4], seed: 12).map { $0 * 2 }
        checkGradients([x]) { $0[0].relu() }
        checkGradients([x]) { $0[0].leakyReLU(slope: 0.2) }
        checkGradients([x]) { $0[0].sigmoid() }
        checkGradients([x]) { $0[0].tanh() }
        checkGradients([x]) { $0[0].silu() }
        checkGradients([x]) { $0[0].gelu() }
    }

    @Test func forwardValuesOfActivations() {
        let x = Variable(Tensor(shape: [4], scalars: [-2, -0.5, 0.5, 2]))
        #expect(x.relu().value.scalars == [0, 0, 0.5, 2])
        #expect(x.silu().value.maxAbsDifference(Tensor(shape: [4], scalars: [-0.238406, -0.188766, 0.311234, 1.761594])) < 1e-5)
        #expect(x.gelu().value.maxAbsDifference(Tensor(shape: [4], scalars: [-0.045500, -0.154269, 0.345731, 1.954500])) < 1e-5)
    }
}

@Suite struct ReductionGradientTests {
    @Test func sumsAndMeans() {
        let x = random([2, 3, 4], seed: 13)
        checkGradients([x]) { $0[0].sum() }
        checkGradients([x]) { $0[0].mean() }
        checkGradients([x]) { $0[0].sum(axes: [1]) }
        checkGradients([x]) { $0[0].mean(axes: [0, 2]) }
    }

    @Test func losses() {
        let a = random([2, 6], seed: 14), b = random([2, 6], seed: 15)
        checkGradients([a, b]) { mseLoss($0[0], $0[1]) }
        checkGradients([a, a + awayFromZero([2, 6], seed: 44)]) { l1Loss($0[0], $0[1]) }  // no kink within h
        checkGradients([a, b]) { cosineSimilarity($0[0], $0[1]) }
    }

    @Test func cosineSimilarityValues() {
        let a = Variable(Tensor(shape: [2, 2], scalars: [1, 0, 1, 1]))
        let b = Variable(Tensor(shape: [2, 2], scalars: [0, 1, 2, 2]))
        let c = cosineSimilarity(a, b).value.scalars
        #expect(abs(c[0]) < 1e-6 && abs(c[1] - 1) < 1e-6)
    }
}

@Suite struct ShapeGradientTests {
    @Test func reshapePermuteSlicePadConcat() {
        let x = random([2, 3, 4], seed: 16)
        checkGradients([x]) { $0[0].reshaped([6, 4]) }
        checkGradients([x]) { $0[0].permuted([2, 0, 1]) }
        checkGradients([x]) { $0[0].slice(axis: 1, 1..<3) }
        checkGradients([x]) { $0[0].split(axis: 2, sizes: [1, 3])[1] }
        checkGradients([random([1, 2, 3, 3], seed: 17)]) { $0[0].padded(top: 1, bottom: 0, left: 2, right: 1) }
        checkGradients([x, random([2, 2, 4], seed: 18)]) { concatenate([$0[0], $0[1]], axis: 1) }
    }

    @Test func permuteValues() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(x.permuted([1, 0]) == Tensor(shape: [3, 2], scalars: [1, 4, 2, 5, 3, 6]))
    }
}

@Suite struct MatrixGradientTests {
    @Test func matmulAllTransposes() {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = random(ta ? [2, 4, 3] : [2, 3, 4], seed: 19), b = random(tb ? [2, 5, 4] : [2, 4, 5], seed: 20)
            checkGradients([a, b]) { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        }
        // A shared right-hand matrix across the batch.
        checkGradients([random([2, 3, 4], seed: 21), random([4, 2], seed: 22)]) { matmul($0[0], $0[1]) }
    }

    @Test func matmulValues() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        #expect(Tensor.matmul(a, b).scalars == [19, 22, 43, 50])
        #expect(Tensor.matmul(a, b, transposeA: true).scalars == [26, 30, 38, 44])
    }

    @Test func linearAndSoftmax() {
        checkGradients([random([3, 4], seed: 23), random([5, 4], seed: 24), random([5], seed: 25)]) {
            linear($0[0], weight: $0[1], bias: $0[2])
        }
        checkGradients([random([2, 3, 5], seed: 26, in: -2...2)]) { $0[0].softmax() }
        let s = Variable(Tensor(shape: [1, 3], scalars: [1, 2, 3])).softmax().value.scalars
        #expect(abs(s[0] - 0.0900306) < 1e-6 && abs(s[2] - 0.6652409) < 1e-6)
    }
}

@Suite struct ConvolutionGradientTests {
    @Test(arguments: [(1, 0, 3), (1, 1, 3), (2, 1, 3), (2, 0, 3), (1, 0, 1), (2, 0, 1), (1, 2, 5), (3, 2, 3), (2, 3, 5), (1, 4, 3)])
    func conv2dGradients(stride: Int, padding: Int, kernel: Int) {
        let x = random([2, 3, 6, 5], seed: 27), w = random([4, 3, kernel, kernel], seed: 28), b = random([4], seed: 29)
        checkGradients([x, w, b]) { conv2d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding) }
    }

    @Test func conv2dAgainstDirectSum() {
        let x = random([1, 2, 5, 4], seed: 30), w = random([3, 2, 3, 3], seed: 31), b = random([3], seed: 32)
        let y = Tensor.conv2d(x, weight: w, bias: b, stride: 2, padding: 1)
        #expect(y.shape == [1, 3, 3, 2])
        for o in 0..<3 { for oy in 0..<3 { for ox in 0..<2 {
            var total = b.scalars[o]
            for c in 0..<2 { for i in 0..<3 { for j in 0..<3 {
                let iy = oy * 2 - 1 + i, ix = ox * 2 - 1 + j
                if iy >= 0 && iy < 5 && ix >= 0 && ix < 4 { total += x.scalars[(c * 5 + iy) * 4 + ix] * w.scalars[((o * 2 + c) * 3 + i) * 3 + j] }
            } } }
            #expect(abs(y.scalars[(o * 3 + oy) * 2 + ox] - total) < 1e-5)
        } } }
    }
}

@Suite struct NormalizationAndPoolingGradientTests {
    @Test func groupNormGradients() {
        let x = random([2, 4, 3, 3], seed: 33, in: -2...2)
        checkGradients([x, random([4], seed: 34, in: 0.5...1.5), random([4], seed: 35)]) {
            groupNorm($0[0], groups: 2, weight: $0[1], bias: $0[2])
        }
        checkGradients([x]) { groupNorm($0[0], groups: 4, weight: nil, bias: nil) }
        checkGradients([x, random([4], seed: 34, in: 0.5...1.5), random([4], seed: 35)]) {
            groupNorm($0[0], groups: 2, weight: $0[1], bias: $0[2], fusedSiLU: true)
        }
    }

    @Test func fusedSiLUEqualsGroupNormThenSiLU() {
        let x = Variable(random([2, 4, 3, 3], seed: 36, in: -2...2)), w = Variable(random([4], seed: 37)), b = Variable(random([4], seed: 38))
        let fused = groupNorm(x, groups: 2, weight: w, bias: b, fusedSiLU: true).value
        let separate = groupNorm(x, groups: 2, weight: w, bias: b).silu().value
        #expect(fused.maxAbsDifference(separate) < 1e-6)
    }

    @Test func groupNormNormalises() {
        let y = groupNorm(Variable(random([1, 4, 5, 5], seed: 36, in: 3...9)), groups: 1, weight: nil, bias: nil).value
        let mean = y.sum() / Float(y.count)
        #expect(abs(mean) < 1e-5)
        #expect(abs(y.squaredNorm / Float(y.count) - 1) < 1e-3)
    }

    @Test func channelAffineGradients() {
        checkGradients([random([2, 3, 2, 2], seed: 37), random([3], seed: 38), random([3], seed: 39)]) {
            channelAffine($0[0], scale: $0[1], shift: $0[2])
        }
    }

    @Test func poolingGradients() {
        // Distinct values so that max pooling has no ties.
        let x = Tensor(shape: [1, 2, 5, 5], scalars: (0..<50).map { Float(($0 * 37) % 50) / 25 - 1 })
        checkGradients([x]) { $0[0].averagePooled(size: 2, stride: 2) }
        checkGradients([x]) { $0[0].maxPooled(size: 3, stride: 2, padding: 1) }
        checkGradients([x]) { $0[0].globalAveragePooled() }
    }

    @Test func resizeGradients() {
        let x = random([1, 2, 4, 5], seed: 40)
        checkGradients([x]) { $0[0].bilinearResized(height: 9, width: 7) }
        checkGradients([x]) { $0[0].bilinearResized(height: 3, width: 2) }
        checkGradients([x]) { $0[0].nearestUpsampled(factor: 2) }
    }

    @Test func bilinearMatchesPyTorchConvention() {
        // F.interpolate([[0, 1], [2, 3]], size 4×4, bilinear, align_corners=False), first row.
        let x = Variable(Tensor(shape: [1, 1, 2, 2], scalars: [0, 1, 2, 3]))
        let y = x.bilinearResized(height: 4, width: 4).value.scalars
        #expect(Array(y[0..<4]) == [0, 0.25, 0.75, 1])
        #expect(Array(y[4..<8]) == [0.5, 0.75, 1.25, 1.5])
    }
}

@Suite struct ComposedNetworkGradientTests {
    @Test func smallNetwork() {
        // conv → GroupNorm → SiLU → attention-style matmuls → resize → loss, end to end.
        let x = random([1, 2, 4, 4], seed: 41), w1 = random([4, 2, 3, 3], seed: 42), w2 = random([4, 4, 1, 1], seed: 43)
        checkGradients([x, w1, w2]) { v in
            let h = groupNorm(conv2d(v[0], weight: v[1], padding: 1), groups: 2, weight: nil, bias: nil).silu()
            let q = conv2d(h, weight: v[2]).reshaped([1, 4, 16])
            let attention = matmul(q, q, transposeA: true).softmax()  // [1, 16, 16]
            let mixed = matmul(q, attention, transposeB: true).reshaped([1, 4, 4, 4])
            return (mixed + h).bilinearResized(height: 6, width: 6)
        }
    }
}
