import FaceID
import Imaging
@testable import Restoration
import Tensors
import TestSupport
import Testing

/// A handful of faces at 32×32: the astronaut and the four GFPGAN faces cut to chips, degraded.
func smallBatch() -> TrainingBatch {
    var clean: [Tensor] = [], degraded: [Tensor] = []
    let files = ["real-lq-ffhq512/Adele_crop.png", "real-lq-ffhq512/Julia_Roberts_crop.png", "real-lq-ffhq512/Justin_Timberlake_crop.png"]
    var chips = [try! ImageFile.read(packageRoot + "/Samples/astronaut_chip128.png").resized(to: 32, filter: .box)]
    for f in files {
        chips.append(try! FaceFraming.chip(fromFFHQ: try! ImageFile.read(packageRoot + "/Samples/" + f), resolution: 32).clamped())
    }
    for (i, chip) in chips.enumerated() {
        var g = SeededGenerator(seed: UInt64(i))
        let x = try! Degradation.apply(DegradationParameters(blurSigma: 0.8, scale: 2, noiseSigma: 8, jpegQuality: 50), to: chip, noise: &g)
        clean.append(chip.tensor())
        degraded.append(x.tensor())
    }
    return TrainingBatch(clean: Tensor.concatenate(clean, axis: 0), degraded: Tensor.concatenate(degraded, axis: 0))
}

let tinyUNet = UNetConfiguration(inputChannels: 9, outputChannels: 3, resolution: 32, widths: [16, 32], blocksPerLevel: 1,
                                 attentionLevels: [1], timeFeatures: 16, timeEmbedding: 32, groups: 8)

/// Each network trains on the handful of faces; its loss on fixed draws must fall.
@Suite(.serialized) struct TrainingSmokeTests {
    let batch = smallBatch()

    @Test func conditionerLossFalls() {
        let trainer = ConditionerTrainer(network: IdentityPreservingConditioner(ConditionerConfiguration(resolution: 32, width: 16, blocks: 2), seed: 1),
                                         recognizer: recognizer, learningRate: 2e-3)
        let before = trainer.evaluate(batch)
        for _ in 0..<15 { trainer.step(batch) }
        let after = trainer.evaluate(batch)
        #expect(after.total < 0.9 * before.total, "IPC loss \(before.total) → \(after.total)")
    }

    @Test func diffusionLossFalls() {
        let ipc = IdentityPreservingConditioner(ConditionerConfiguration(resolution: 32, width: 8, blocks: 1))
        let trainer = DiffusionTrainer(network: ConditionalUNet(tinyUNet, seed: 2), conditioner: ipc, learningRate: 2e-3)
        var g = SeededGenerator(seed: 5)
        let timesteps = [50, 200, 500, 900], noise = Tensor(randomNormal: batch.clean.shape, generator: &g)
        let before = trainer.evaluate(batch, timesteps: timesteps, noise: noise)
        for _ in 0..<40 { trainer.step(batch, generator: &g) }
        let after = trainer.evaluate(batch, timesteps: timesteps, noise: noise)
        #expect(after < 0.8 * before, "diffusion loss \(before) → \(after)")
    }

    /// Input perturbation (Ning et al. 2023): y_t is formed with ε + γ·ξ, the target stays ε; the step's
    /// loss is recomputed by hand from the same draws (t, ε, then ξ) and must match that, not ε + γ·ξ as target.
    @Test func inputPerturbationNoisesTheInputNotTheTarget() {
        let ipc = IdentityPreservingConditioner(ConditionerConfiguration(resolution: 32, width: 8, blocks: 1))
        let unet = ConditionalUNet(tinyUNet, seed: 2), gamma: Float = 0.5
        let trainer = DiffusionTrainer(network: unet, conditioner: ipc, inputPerturbation: gamma)
        var g = SeededGenerator(seed: 11), replay = g
        let reported = trainer.step(batch, generator: &g)
        let timesteps = (0..<batch.size).map { _ in trainer.drawTimestep(&replay) }
        let noise = Tensor(randomNormal: batch.clean.shape, generator: &replay)
        let xi = Tensor(randomNormal: batch.clean.shape, generator: &replay)
        let alphaBars = timesteps.map { trainer.schedule.alphaBar[$0] }
        func loss(input: Tensor, target: Tensor, network: ConditionalUNet) -> Float {
            withoutGradients {
                let conditioned = ipc(Variable(batch.degraded)).value
                let yt = DiffusionMath.noised(batch.clean, noise: input, alphaBars: alphaBars)
                let x = concatenate([Variable(yt), Variable(batch.degraded), Variable(conditioned)], axis: 1)
                return mseLoss(network(x, timesteps: timesteps.map(Float.init)), Variable(target)).value.scalar
            }
        }
        // The weights before the step: a fresh network from the same seed.
        let before = ConditionalUNet(tinyUNet, seed: 2), perturbed = noise + xi * gamma
        let expected = loss(input: perturbed, target: noise, network: before)
        #expect(abs(reported - expected) <= 1e-5 * expected, "step \(reported), by hand \(expected)")
        let wrongTarget = loss(input: perturbed, target: perturbed, network: before)
        let unperturbed = loss(input: noise, target: noise, network: before)
        #expect(abs(reported - wrongTarget) > 1e-3 * expected && abs(reported - unperturbed) > 1e-3 * expected,
                "\(reported) vs target ε + γξ \(wrongTarget), no perturbation \(unperturbed)")
    }

    @Test func focusedTimestepsFavourTheRestorationRange() {
        let ipc = IdentityPreservingConditioner(ConditionerConfiguration(resolution: 32, width: 8, blocks: 1))
        let trainer = DiffusionTrainer(network: ConditionalUNet(tinyUNet, seed: 2), conditioner: ipc, focusLimit: 400)
        var g = SeededGenerator(seed: 9)
        let focused = (0..<20_000).map { _ in trainer.drawTimestep(&g) }
        #expect(focused.allSatisfy { (1...1000).contains($0) })
        // Half from 1…400, half from 1…1000: P(t ≤ 400) = 0.5 + 0.5 · 0.4 = 0.7 (binomial sd 0.0032).
        let share = Double(focused.filter { $0 <= 400 }.count) / 20_000
        #expect(abs(share - 0.7) < 0.015, "share ≤ 400: \(share)")
        trainer.focusLimit = nil
        let uniform = (0..<20_000).map { _ in trainer.drawTimestep(&g) }
        #expect(abs(Double(uniform.filter { $0 <= 400 }.count) / 20_000 - 0.4) < 0.015)
        #expect(uniform.max() == 1000 && uniform.min() == 1)
    }

    /// The first stand-alone branch, and the sub-branch reading a U-Net IPC's features.
    @Test(arguments: [MaskConfiguration.Architecture.standalone, .subBranch])
    func maskLossFalls(_ architecture: MaskConfiguration.Architecture) {
        let ipc = architecture == .standalone ? IdentityPreservingConditioner(ConditionerConfiguration(resolution: 32, width: 8, blocks: 1))
            : IdentityPreservingConditioner(.unet(resolution: 32, widths: [8, 8, 16, 16], blocks: 1), seed: 2)
        if architecture == .subBranch {
            // A conditioner that changes x, so that M′ (one of the sub-branch's inputs) marks pixels.
            var g = SeededGenerator(seed: 8)
            for p in ipc.parameters { p.assign(Tensor(randomUniform: p.shape, in: -0.2...0.2, generator: &g)) }
        }
        let mask = MaskBranch(architecture == .standalone ? .standard : .subBranch(of: ipc.configuration, width: 8), seed: 3)
        // The sub-branch starts undecided (no guidance, which is where the loss is lowest at this update
        // scale); tipped towards guidance everywhere, it has to learn to switch regions off.
        if let last = mask.conv4 { last.bias?.assign(Tensor(shape: [1], scalars: [0.1])) }
        let trainer = MaskTrainer(network: mask, unet: ConditionalUNet(tinyUNet, seed: 4), conditioner: ipc,
                                  recognizer: recognizer, learningRate: 3e-2, delta: 0.05,
                                  coverageWeight: 0, updateScale: 5000, noised: .clean, maxTimestep: 100)
        // Two faces keep the recognizer's eight passes per step within the time of a smoke test.
        let pair = TrainingBatch(clean: batch.clean.slice(axis: 0, 0..<2), degraded: batch.degraded.slice(axis: 0, 0..<2))
        var g = SeededGenerator(seed: 6)
        let timesteps = [20, 80], noise = Tensor(randomNormal: pair.clean.shape, generator: &g)
        let before = trainer.evaluate(pair, timesteps: timesteps, noise: noise)
        // M is binary (straight-through), so at this learning rate single steps jump between masks
        // (rounding differences of 1e-7 change the path): the objective must reach a lower value on
        // the fixed draws within 8 steps, not decrease at every one.
        var after: [(total: Float, coverage: Float)] = []
        for k in 1...8 {
            trainer.step(pair, generator: &g)
            if k.isMultiple(of: 2) { after.append(trainer.evaluate(pair, timesteps: timesteps, noise: noise)) }
        }
        let best = after.min { $0.total < $1.total }!
        #expect(best.total < before.total - 0.05, "mask loss \(before.total) → \(after.map(\.total)) (coverage \(before.coverage) → \(after.map(\.coverage)))")
    }

    /// The validation's comparison of masks scores each mask with the same objective as training: with no
    /// mask it is the identity + perceptual distance of ŷ_{0,t} itself (y_t drawn around g(x), the
    /// default; no coverage), computed here from scratch.
    @Test func maskComparisonScoresEachMaskWithTheTrainingObjective() {
        let ipc = IdentityPreservingConditioner(ConditionerConfiguration(resolution: 32, width: 8, blocks: 1))
        let unet = ConditionalUNet(tinyUNet, seed: 4)
        let trainer = MaskTrainer(network: MaskBranch(.standard, seed: 3), unet: unet, conditioner: ipc,
                                  recognizer: recognizer, delta: 0.05, updateScale: 5000, maxTimestep: 100)
        let pair = TrainingBatch(clean: batch.clean.slice(axis: 0, 0..<2), degraded: batch.degraded.slice(axis: 0, 0..<2))
        var g = SeededGenerator(seed: 6)
        let timesteps = [20, 80], noise = Tensor(randomNormal: pair.clean.shape, generator: &g)
        let scores = Dictionary(uniqueKeysWithValues: trainer.compareMasks(pair, timesteps: timesteps, noise: noise).map { ($0.name, $0.value) })
        #expect(abs(scores["objective_M"]! - trainer.evaluate(pair, timesteps: timesteps, noise: noise).total) < 1e-5)

        let expected: Float = withoutGradients {
            let conditioned = ipc(Variable(pair.degraded)).value
            var total: Float = 0
            for (k, t) in timesteps.enumerated() {
                let clean = pair.clean.slice(axis: 0, k..<(k + 1)), e = noise.slice(axis: 0, k..<(k + 1))
                let yt = DiffusionMath.noised(conditioned.slice(axis: 0, k..<(k + 1)), noise: e, alphaBar: NoiseSchedule().alphaBar[t])
                let input = concatenate([Variable(yt), Variable(pair.degraded.slice(axis: 0, k..<(k + 1))),
                                         Variable(conditioned.slice(axis: 0, k..<(k + 1)))], axis: 1)
                let epsilon = unet(input, timesteps: [Float(t)]).value
                let start = Variable(DiffusionMath.predictedStart(yt, noise: epsilon, alphaBar: NoiseSchedule().alphaBar[t]))
                total += identityLoss(recognizer.descriptors(start), recognizer.descriptors(Variable(clean))).value.scalar
                    + recognizer.perceptualDistance(start, Variable(clean)).value.scalar
            }
            return total / 2
        }
        #expect(abs(scores["objective_none"]! - expected) < 1e-4, "\(scores["objective_none"]!) vs \(expected)")
        // Uniform guidance moves every pixel, so it scores differently from no guidance.
        #expect(scores["objective_uniform"]! != scores["objective_none"]!)
    }

    /// With ε̂ re-evaluated after the update, no update scores as with ε̂ held (the denoiser sees the
    /// same y_t), and the gradient with respect to M, which now runs through the denoiser, matches
    /// central differences (and differs from the held one's).
    @Test func reevaluatedNoiseObjectiveMatchesFiniteDifferences() {
        let ipc = IdentityPreservingConditioner(ConditionerConfiguration(resolution: 32, width: 8, blocks: 1))
        let trainer = MaskTrainer(network: MaskBranch(.standard, seed: 3), unet: ConditionalUNet(tinyUNet, seed: 4), conditioner: ipc,
                                  recognizer: recognizer, delta: 0.05, coverageWeight: 0, updateScale: 500, maxTimestep: 100)
        let pair = TrainingBatch(clean: batch.clean.slice(axis: 0, 0..<2), degraded: batch.degraded.slice(axis: 0, 0..<2))
        var g = SeededGenerator(seed: 6)
        let noise = Tensor(randomNormal: pair.clean.shape, generator: &g)
        let setup = trainer.setup(pair, timesteps: [20, 80], noise: noise)
        func value(_ mask: Tensor, reevaluated: Bool) -> Float {
            trainer.reevaluatesNoise = reevaluated
            return withoutGradients { trainer.objective(setup, mask: Variable(mask)) }.value.scalar
        }
        func gradient(_ mask: Tensor, reevaluated: Bool) -> Tensor {
            trainer.reevaluatesNoise = reevaluated
            let m = Variable(mask, requiresGradient: true)
            trainer.objective(setup, mask: m).backward()
            return m.gradient!
        }
        let shape = [2, 1, 32, 32]
        let none = Tensor(zeros: shape)
        #expect(abs(value(none, reevaluated: true) - value(none, reevaluated: false)) < 1e-6)

        let mask = Tensor(randomUniform: shape, in: 0...1, generator: &g)
        let reevaluated = gradient(mask, reevaluated: true), held = gradient(mask, reevaluated: false)
        // Along the gradient itself the directional derivative is largest (‖∇‖), well above the objective's
        // float32 rounding, which a random direction's central difference is not (GuidanceTests does the same).
        let norm = reevaluated.squaredNorm.squareRoot()
        let direction = reevaluated * (1 / norm)
        let h: Float = 3e-3
        let numeric = (value(mask + direction * h, reevaluated: true) - value(mask - direction * h, reevaluated: true)) / (2 * h)
        #expect(abs(numeric - norm) <= 0.01 * abs(numeric), "central differences \(numeric) vs analytic \(norm)")
        #expect((reevaluated - held).squaredNorm.squareRoot() > 0.1 * norm, "the denoiser's part of the gradient is missing")
    }
}
