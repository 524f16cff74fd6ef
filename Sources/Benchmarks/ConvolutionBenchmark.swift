import Tensors

/// Single 3×3 convolutions at the reference UNet's sizes: where the engine's time goes.
public enum ConvolutionBenchmark {
    public static let layers: [(channels: Int, outputs: Int, size: Int)] = [(64, 64, 64), (128, 128, 32), (256, 256, 16), (256, 256, 8), (128, 64, 64)]

    public static func run(threads: Int, batches: [Int] = [1, 16], log: (String) -> Void) {
        EngineRuntime.prepare(threads: threads)
        log("OpenBLAS core: \(BLASCore.summary)")
        var g = SeededGenerator(seed: 1)
        for (c, o, s) in layers {
            let w = Tensor(randomNormal: [o, c, 3, 3], generator: &g), b = Tensor(randomNormal: [o], generator: &g)
            for n in batches {
                let x = Tensor(randomNormal: [n, c, s, s], generator: &g)
                let t = measure(warmup: 2, runs: n == 1 ? 20 : 5) { _ = Tensor.conv2d(x, weight: w, bias: b, padding: 1) }
                let flops = 2.0 * Double(n * c * o * 9 * s * s)
                log("conv \(c)→\(o) at \(s)×\(s), batch \(n): \(ms(t.median)) (\(format(flops / t.median / 1e9)) GFLOP/s)")
            }
        }
    }
}
