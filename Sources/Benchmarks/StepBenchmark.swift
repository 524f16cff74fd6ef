import FaceID
import Restoration
import Tensors

/// One masked-guidance reverse step at R = 64, batch 1, with the shipped network sizes (the denoiser light or default)
/// (random weights: speed does not depend on their values), approximate and exact gradient.
public enum StepBenchmark {
    public static func run(unet: UNetConfiguration = .restorationLight, threads: Int, steps: Int, log: (String) -> Void) throws {
        EngineRuntime.prepare(threads: threads)
        log("OpenBLAS core: \(BLASCore.summary)")
        let pipeline = RestorationPipeline(conditioner: IdentityPreservingConditioner(.standard, seed: 1),
                                           unet: ConditionalUNet(unet, seed: 2),
                                           maskBranch: MaskBranch(.standard, seed: 3), recognizer: try FaceRecognizer.loadDefault())
        log("denoiser: \(pipeline.unet.parameterCount) parameters, widths \(unet.widths), \(unet.blocksPerLevel) block(s) per level")
        var g = SeededGenerator(seed: 4)
        let x = Tensor(randomUniform: [1, 3, 64, 64], in: -1...1, generator: &g)
        for exact in [false, true] {
            for mode in [GuidanceMode.off, .masked] where !(exact && mode == .off) {
                var settings = SamplerSettings()
                settings.guidance = mode
                settings.delta = 0.1
                settings.exactGradient = exact
                let sampler = pipeline.makeSampler(degraded: x, settings: settings)
                _ = sampler.next()  // warm-up
                var model: [Double] = [], guidance: [Double] = []
                let t = measure(warmup: 0, runs: steps) {
                    let s = sampler.next()!
                    model.append(s.modelMilliseconds)
                    guidance.append(s.guidanceMilliseconds)
                }
                let label = mode == .off ? "unguided step" : "masked-guidance step (\(exact ? "exact gradient through the UNet" : "ε̂ held fixed"))"
                log("\(label): median \(ms(t.median)); UNet \(format(median(model))) ms, guidance \(format(median(guidance))) ms")
            }
        }
    }

    static func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
}
