import FaceID
import Foundation
import Imaging
@testable import Restoration
import Tensors
import TestSupport
import Testing

let recognizer: FaceRecognizer = try! FaceRecognizer(modelPath: packageRoot + "/Models/" + RecognizerModelFile.name)

/// The astronaut at 32×32 as g(x), and a degraded copy as x.
func faces() -> (degraded: Tensor, conditioned: Tensor) {
    let clean = try! ImageFile.read(packageRoot + "/Samples/astronaut_chip128.png").resized(to: 32, filter: .box)
    var g = SeededGenerator(seed: 1)
    let degraded = try! Degradation.apply(DegradationParameters(blurSigma: 1, scale: 2, noiseSigma: 5, jpegQuality: 60), to: clean, noise: &g)
    return (degraded.tensor(), clean.tensor())
}

@Suite struct GuidanceTests {
    let degraded = faces().degraded
    let conditioned = faces().conditioned

    func sampler(_ settings: SamplerSettings, predictor: NoisePredictor) -> RestorationSampler {
        RestorationSampler(predictor: predictor, degraded: degraded, conditioned: conditioned, settings: settings, recognizer: recognizer)
    }

    func settings(_ mode: GuidanceMode, scale: Float = 2000, exact: Bool = false) -> SamplerSettings {
        var s = SamplerSettings()
        s.guidance = mode
        s.scale = scale
        s.startStep = 200
        s.exactGradient = exact
        s.delta = 0.05
        return s
    }

    @Test func maskedUpdateLeavesPixelsOutsideTheMaskUntouched() {
        let predictor = ConstantPredictor(image(seed: 20, size: 32))
        let guided = sampler(settings(.masked), predictor: predictor).next()!
        let plain = sampler(settings(.off), predictor: predictor).next()!
        let mask = guided.mask!
        let coverage = mask.sum() / Float(mask.count)
        #expect(coverage > 0.05 && coverage < 0.95, "coverage \(coverage)")
        var changedInside = 0
        for c in 0..<3 {
            for i in 0..<(32 * 32) {
                let k = c * 32 * 32 + i
                if mask.scalars[i] == 0 {
                    #expect(guided.current.scalars[k] == plain.current.scalars[k])
                } else if guided.current.scalars[k] != plain.current.scalars[k] {
                    changedInside += 1
                }
            }
        }
        #expect(changedInside > 0)
        #expect(guided.identityLoss! > 0 && guided.gradientNorm > 0)
    }

    /// The ε̂-held gradient with respect to y_t is the gradient with respect to ŷ_{0,t} over √ᾱ_t
    /// (ᾱ = 1 gives ∇_{ŷ0} itself), per sample.
    @Test func heldNoiseGradientIsTheStartGradientOverRootAlphaBar() {
        let start = Tensor.concatenate([degraded, conditioned], axis: 0)
        let target = withoutGradients { recognizer.descriptors(Variable(Tensor.concatenate([conditioned, conditioned], axis: 0))) }
        let alphaBars = [NoiseSchedule().alphaBar[600], NoiseSchedule().alphaBar[50]]
        let (plain, _) = IdentityGuidance.heldNoiseGradient(predictedStart: start, alphaBars: [1, 1], target: target, recognizer: recognizer)
        let (scaled, _) = IdentityGuidance.heldNoiseGradient(predictedStart: start, alphaBars: alphaBars, target: target, recognizer: recognizer)
        for k in 0..<2 {
            let expected = plain.slice(axis: 0, k..<(k + 1)) * Float(1 / alphaBars[k].squareRoot())
            #expect(scaled.slice(axis: 0, k..<(k + 1)).maxAbsDifference(expected) <= 1e-6 * max(expected.squaredNorm.squareRoot(), 1))
        }
        #expect(plain.squaredNorm > 0)
    }

    /// Eq. 3 batched with one ᾱ_t per sample equals the per-sample form, and Eq. 6 inverts it.
    @Test func batchedNoisingMatchesPerSampleAndEq6InvertsIt() {
        var g = SeededGenerator(seed: 10)
        let start = Tensor.concatenate([degraded, conditioned], axis: 0), noise = Tensor(randomNormal: start.shape, generator: &g)
        let alphaBars = [NoiseSchedule().alphaBar[10], NoiseSchedule().alphaBar[700]]
        let batched = DiffusionMath.noised(start, noise: noise, alphaBars: alphaBars)
        for k in 0..<2 {
            let single = DiffusionMath.noised(start.slice(axis: 0, k..<(k + 1)), noise: noise.slice(axis: 0, k..<(k + 1)), alphaBar: alphaBars[k])
            #expect(batched.slice(axis: 0, k..<(k + 1)).maxAbsDifference(single) < 1e-6)
        }
        let back = withoutGradients { DiffusionMath.predictedStart(Variable(batched), noise: Variable(noise), alphaBars: alphaBars) }.value
        #expect(back.maxAbsDifference(start) < 1e-4)
    }

    /// The shift the state reports is what guidance changed: the guided next state minus the
    /// unguided one on the same noise (DDPM: −s·σ_t²·(∇L ⊙ M)), for both reverse processes.
    @Test(arguments: [SamplerKind.ddpm, .ddim(eta: 0.5)])
    func guidanceShiftIsGuidedMinusUnguided(_ kind: SamplerKind) {
        let predictor = OraclePredictor(clean: conditioned)
        var guided = settings(.masked), plain = settings(.off)
        guided.kind = kind; plain.kind = kind
        guided.steps = 10; plain.steps = 10
        let a = sampler(guided, predictor: predictor), b = sampler(plain, predictor: predictor)
        let stepA = a.next()!, stepB = b.next()!
        let shift = try! #require(stepA.guidanceShift)
        #expect(stepB.guidanceShift == nil)
        #expect((stepA.current - stepB.current).maxAbsDifference(shift) < 1e-5)
        #expect(shift.squaredNorm > 0)
        if kind == .ddpm {
            let (_, _, variance) = NoiseSchedule().posterior(from: stepA.timestep, to: stepA.nextTimestep)
            #expect(shift.maxAbsDifference(stepA.guidanceGradient! * (-guided.scale * Float(variance))) < 1e-6)
        }
    }

    /// With the user's mask as the source, masked guidance uses it: the step's mask is that mask and
    /// the update is zero outside it.
    @Test func aUserMaskIsTheMaskGuidanceUses() {
        var userMask = Tensor(zeros: [1, 1, 32, 32])
        for y in 8..<20 { for x in 6..<26 { userMask.scalars[y * 32 + x] = 1 } }
        var s = settings(.masked)
        s.maskSource = .user
        let sampler = RestorationSampler(predictor: OraclePredictor(clean: conditioned), degraded: degraded, conditioned: conditioned,
                                         settings: s, recognizer: recognizer, userMask: userMask)
        let state = sampler.next()!
        #expect(state.mask == userMask)
        let shift = try! #require(state.guidanceShift)
        for c in 0..<3 { for i in 0..<(32 * 32) where userMask.scalars[i] == 0 { #expect(shift.scalars[c * 1024 + i] == 0) } }
        #expect(shift.squaredNorm > 0)
        sampler.update(maskSource: .proxy)
        #expect(sampler.activeMask == sampler.proxyMask)
        // A mask painted mid-run replaces the user's from the next step; the regions source is the fixed boxes.
        var painted = Tensor(zeros: [1, 1, 32, 32])
        for i in 40..<90 { painted.scalars[i] = 1 }
        sampler.update(maskSource: .user)
        sampler.update(userMask: painted)
        #expect(sampler.next()!.mask == painted)
        sampler.update(maskSource: .regions)
        #expect(sampler.activeMask == FacialRegions.mask(resolution: 32))
    }

    /// By hand on 2×2 pixels: per-pixel change is the channel mean of |Δ| on the [0, 1] scale (0.1, 0.1, 0,
    /// 0.3), the mask weighs it (1, ½, 1, 0): share 0.15 / 0.5.
    @Test func guidanceEffectIsTheShareOfTheChangeInsideTheMask() {
        let unguided = Tensor(shape: [1, 3, 2, 2], scalars: [0.1, -0.3, 0.5, 0.2, 0.0, 0.4, -0.5, 0.2, 0.3, 0.1, 0.9, -0.2])
        let change: [Float] = [0.2, 0.4, 0, -0.6, 0.2, 0, 0, -0.6, 0.2, 0.2, 0, -0.6]
        let guided = Tensor(shape: [1, 3, 2, 2], scalars: zip(unguided.scalars, change).map { $0 + $1 })
        let effect = GuidanceEffect(guided: guided, unguided: unguided, mask: Tensor(shape: [1, 1, 2, 2], scalars: [1, 0.5, 1, 0]))
        #expect(abs(effect.meanChange - 0.125) < 1e-6)
        #expect(abs(effect.shareInMask! - 0.3) < 1e-6)
        #expect(effect.maskCoverage == 0.625)
        #expect(GuidanceEffect(guided: unguided, unguided: unguided, mask: Tensor(repeating: 1, shape: [1, 1, 2, 2])).shareInMask == nil)
    }

    /// The masked update of the guided step (μ − s·σ²·(∇L ⊙ M)) moves y only inside M: all of its change
    /// is there; uniform guidance's is not.
    @Test func aMaskedStepChangesTheImageOnlyInsideTheMask() {
        let predictor = ConstantPredictor(image(seed: 22, size: 32))
        let plain = sampler(settings(.off), predictor: predictor).next()!
        let masked = sampler(settings(.masked), predictor: predictor).next()!
        let uniform = sampler(settings(.uniform), predictor: predictor).next()!
        let inMasked = GuidanceEffect(guided: masked.current, unguided: plain.current, mask: masked.mask!)
        let inUniform = GuidanceEffect(guided: uniform.current, unguided: plain.current, mask: masked.mask!)
        #expect(inMasked.meanChange > 0 && abs(inMasked.shareInMask! - 1) < 1e-6)
        #expect(inUniform.shareInMask! < 0.95 && inUniform.shareInMask! > inUniform.maskCoverage / 2, "\(inUniform)")
    }

    @Test func zeroStrengthIsTheUnguidedStep() {
        let predictor = ConstantPredictor(image(seed: 21, size: 32))
        #expect(sampler(settings(.uniform, scale: 0), predictor: predictor).next()!.current
                == sampler(settings(.off), predictor: predictor).next()!.current)
    }

    @Test func guidanceLowersTheIdentityLoss() {
        // Uniform guidance for a few steps: L_arc at the end is lower than without it.
        let predictor = ConstantPredictor(image(seed: 22, size: 32) * 0.1)
        func finalLoss(_ mode: GuidanceMode) -> Float {
            var s = settings(mode, scale: 20000)
            s.startStep = 30
            let run = sampler(s, predictor: predictor)
            var last: Tensor = conditioned
            while let state = run.next() { last = state.current }
            let target = withoutGradients { recognizer.descriptors(Variable(conditioned)) }
            return withoutGradients { identityLoss(recognizer.descriptors(Variable(last)), target) }.value.scalar
        }
        #expect(finalLoss(.uniform) < finalLoss(.off))
    }

    @Test func exactAndApproximateGradientsAgreeWhenNoiseIgnoresTheInput() {
        let predictor = ConstantPredictor(image(seed: 23, size: 32))
        let approximate = sampler(settings(.uniform), predictor: predictor).next()!.guidanceGradient!
        let exact = sampler(settings(.uniform, exact: true), predictor: predictor).next()!.guidanceGradient!
        let error = (approximate - exact).squaredNorm.squareRoot() / exact.squaredNorm.squareRoot()
        #expect(error < 1e-4, "relative difference \(error)")
    }

    @Test(arguments: [false, true])
    func identityGradientMatchesFiniteDifferences(exact: Bool) {
        // A tiny random UNet as ε_θ, so that the exact gradient differs from the approximate one.
        let unet = ConditionalUNet(UNetConfiguration(inputChannels: 9, outputChannels: 3, resolution: 32, widths: [8, 16], blocksPerLevel: 1,
                                                     attentionLevels: [1], timeFeatures: 8, timeEmbedding: 16, groups: 4), seed: 3)
        let run = sampler(settings(.uniform, exact: exact), predictor: unet)
        let start = run.current
        let gradient = run.next()!.guidanceGradient!
        let t = 200, ab = NoiseSchedule().alphaBar[t]
        let target = withoutGradients { recognizer.descriptors(Variable(conditioned)) }
        let heldNoise = withoutGradients { unet.predictNoise(Variable(start), degraded: degraded, conditioned: conditioned, timestep: t) }.value
        func loss(_ y: Tensor) -> Float {
            withoutGradients {
                let noise = exact ? unet.predictNoise(Variable(y), degraded: degraded, conditioned: conditioned, timestep: t).value : heldNoise
                let y0 = DiffusionMath.predictedStart(y, noise: noise, alphaBar: ab)
                return identityLoss(recognizer.descriptors(Variable(y0)), target).value.scalar
            }
        }
        // Along the gradient itself the directional derivative is largest (‖∇L‖), far above the loss's
        // float32 rounding (a random direction's is ~1e-4 here, within that noise of a central difference).
        let direction = gradient * (1 / gradient.squaredNorm.squareRoot())
        let analytic = (gradient * direction).sum()
        let h: Float = 3e-3
        let numeric = (loss(start + direction * h) - loss(start - direction * h)) / (2 * h)
        #expect(abs(numeric - analytic) <= 0.01 * abs(numeric), "exact: \(exact), numeric \(numeric), analytic \(analytic)")
    }
}
