import Tensors

/// Single 3×3 convolutions (stride 1, padding 1) at the UNets' and the recognizer's sizes, by
/// im2col + sgemm, by Winograd F(2×2, 3×3) and F(4×4, 3×3) and by the direct kernel, forward, input gradient
/// (the recognizer's guidance needs only that one) and, batched, weight gradient: where the engine's time goes,
/// and which is faster. And the recognizer's stride-2 convolutions, unfolded beside direct.
public enum ConvolutionBenchmark {
    public static let layers: [(channels: Int, outputs: Int, size: Int)] = [
        (9, 32, 64), (32, 32, 64), (64, 32, 64), (32, 3, 64), (64, 64, 32), (96, 96, 16), (128, 128, 8),  // light UNet
        (64, 64, 64), (128, 128, 32), (256, 256, 16), (256, 256, 8), (128, 64, 64),  // reference UNet
        (32, 32, 35), (64, 64, 17), (128, 128, 8), (256, 256, 3), (256, 256, 1),  // the recognizer's (150×150 input)
    ]

    /// The recognizer's stride-2 convolutions (unpadded, as dlib's): its stem and its downsampling units.
    static let stridedLayers: [(channels: Int, outputs: Int, kernel: Int, size: Int)] = [
        (3, 32, 7, 150), (32, 64, 3, 35), (64, 128, 3, 17), (128, 256, 3, 8),
    ]

    public static func run(threads: Int, batches: [Int] = [1, 16], log: (String) -> Void) {
        EngineRuntime.prepare(threads: threads)
        log("OpenBLAS core: \(BLASCore.summary)")
        var g = SeededGenerator(seed: 1)
        for (c, o, k, size) in stridedLayers where batches.contains(1) {
            let w = Tensor(randomNormal: [o, c, k, k], generator: &g), x = Tensor(randomNormal: [1, c, size, size], generator: &g)
            let dy = Tensor.conv2d(x, weight: w, bias: nil, stride: 2)
            var line = "conv \(c)→\(o), \(k)×\(k) at stride 2, \(size)×\(size), batch 1:"
            for algorithm in [ConvolutionAlgorithm.unfolded, .direct] {
                let forward = measure(warmup: 2, runs: 20) { _ = Tensor.conv2d(x, weight: w, bias: nil, stride: 2, algorithm: algorithm) }
                let inputGradient = measure(warmup: 2, runs: 20) {
                    _ = Tensor.conv2dBackward(x, weight: w, outputGradient: dy, stride: 2, padding: 0, wantInput: true, wantWeight: false,
                                              algorithm: algorithm)
                }
                line += " \(algorithm.rawValue) \(ms(forward.median)), dX \(ms(inputGradient.median));"
            }
            log(String(line.dropLast()))
        }
        for (c, o, s) in layers {
            let w = Tensor(randomNormal: [o, c, 3, 3], generator: &g), b = Tensor(randomNormal: [o], generator: &g)
            for n in batches {
                let x = Tensor(randomNormal: [n, c, s, s], generator: &g)
                let flops = 2.0 * Double(n * c * o * 9 * s * s)
                var line = "conv \(c)→\(o) at \(s)×\(s), batch \(n):"
                let forms: [ConvolutionAlgorithm] = [.unfolded, .winograd, .winograd4, .direct]
                for algorithm in forms {
                    let t = measure(warmup: 2, runs: n == 1 ? 20 : 5) { _ = Tensor.conv2d(x, weight: w, bias: b, padding: 1, algorithm: algorithm) }
                    line += " \(algorithm.rawValue) \(ms(t.median)) (\(format(flops / t.median / 1e9)) GFLOP/s)"
                }
                let dy = Tensor(randomNormal: [n, o, s, s], generator: &g)
                line += "; dX"
                for algorithm in forms {
                    let t = measure(warmup: 2, runs: n == 1 ? 20 : 5) {
                        _ = Tensor.conv2dBackward(x, weight: w, outputGradient: dy, stride: 1, padding: 1,
                                                  wantInput: true, wantWeight: false, algorithm: algorithm)
                    }
                    line += " \(algorithm.rawValue) \(ms(t.median))"
                }
                if n > 1 {  // the weight gradient, which only training computes
                    line += "; dW"
                    for algorithm in [ConvolutionAlgorithm.unfolded, .winograd, .winograd4] {
                        let t = measure(warmup: 1, runs: 5) {
                            _ = Tensor.conv2dBackward(x, weight: w, outputGradient: dy, stride: 1, padding: 1,
                                                      wantInput: false, wantWeight: true, algorithm: algorithm)
                        }
                        line += " \(algorithm.rawValue) \(ms(t.median))"
                    }
                }
                log(line)
            }
        }
    }
}
