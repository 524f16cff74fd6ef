import FaceID
import Tensors

/// Training pairs: clean faces y_0 and their degraded versions x, [B, 3, R, R] in [−1, 1].
public struct TrainingBatch: Sendable {
    public let clean: Tensor
    public let degraded: Tensor
    public init(clean: Tensor, degraded: Tensor) {
        precondition(clean.shape == degraded.shape && clean.rank == 4 && clean.shape[1] == 3, "a batch needs clean and degraded [B, 3, R, R] of one shape")
        self.clean = clean
        self.degraded = degraded
    }
    public var size: Int { clean.shape[0] }
}

/// Eq. 4: L_IPC = L1(g(x), y_0) + λ·D_cos(f(g(x)), f(y_0)), with an average of the weights (what is
/// exported: it smooths the step-to-step wobble of a long run).
public final class ConditionerTrainer {
    public let network: IdentityPreservingConditioner
    public let optimizer: Adam
    public let average: ExponentialMovingAverage
    let recognizer: FaceRecognizer
    public var identityWeight: Float

    public init(network: IdentityPreservingConditioner, recognizer: FaceRecognizer, learningRate: Float = 2e-4, identityWeight: Float = 1,
                emaDecay: Float = 0.999) {
        self.network = network
        self.recognizer = recognizer
        self.identityWeight = identityWeight
        optimizer = Adam(parameters: network.parameters, learningRate: learningRate)
        average = ExponentialMovingAverage(parameters: network.parameters, decay: emaDecay, warmup: true)
    }

    /// The loss and its two terms on a batch, without updating anything.
    public func evaluate(_ batch: TrainingBatch) -> (total: Float, l1: Float, identity: Float) {
        withoutGradients {
            let (total, l1, identity) = losses(batch)
            return (total.value.scalar, l1.value.scalar, identity.value.scalar)
        }
    }

    /// One optimisation step; returns the loss before the update.
    @discardableResult
    public func step(_ batch: TrainingBatch, clipNorm: Float = 1) -> (total: Float, l1: Float, identity: Float) {
        network.zeroGradients()
        let (total, l1, identity) = losses(batch)
        total.backward()
        clipGradientNorm(network.parameters, maxNorm: clipNorm)
        optimizer.update()
        average.update(from: network.parameters)
        return (total.value.scalar, l1.value.scalar, identity.value.scalar)
    }

    func losses(_ batch: TrainingBatch) -> (Variable, Variable, Variable) {
        let restored = network(Variable(batch.degraded))
        let target = withoutGradients { recognizer.descriptors(Variable(batch.clean)) }
        let l1 = l1Loss(restored, Variable(batch.clean))
        let identity = identityLoss(recognizer.descriptors(restored), target).mean()
        return (l1 + identity * identityWeight, l1, identity)
    }
}

/// Eq. 5 with the square root of Eq. 3: ‖ε − ε_θ(√ᾱ_t·y_0 + √(1 − ᾱ_t)·ε, x, g(x), t)‖², with the
/// frozen IPC's g(x) as condition, t uniform in 1…T, and an EMA of the weights.
/// With an input perturbation γ > 0 (Ning et al. 2023), y_t is formed with ε + γ·ξ while the target stays ε:
/// the network learns to correct the slightly-off y_t that its own earlier steps hand it when sampling.
public final class DiffusionTrainer {
    public let network: ConditionalUNet
    public let optimizer: Adam
    public let average: ExponentialMovingAverage
    public let conditioner: IdentityPreservingConditioner
    public let schedule: NoiseSchedule
    /// Restoration starts from T′ and only visits t ≤ T′, so this share of the timesteps is drawn
    /// from 1…focusLimit and the rest from 1…T (which Net1, starting from pure noise, needs).
    public var focusLimit: Int?
    public var focusShare = 0.5
    /// γ: the weight of the extra noise ξ in y_t (0: Eq. 5 as written).
    public var inputPerturbation: Float

    public init(network: ConditionalUNet, conditioner: IdentityPreservingConditioner, learningRate: Float = 1e-4,
                emaDecay: Float = 0.999, schedule: NoiseSchedule = NoiseSchedule(), focusLimit: Int? = nil, inputPerturbation: Float = 0) {
        self.network = network
        self.conditioner = conditioner
        self.schedule = schedule
        self.focusLimit = focusLimit
        self.inputPerturbation = inputPerturbation
        optimizer = Adam(parameters: network.parameters, learningRate: learningRate)
        average = ExponentialMovingAverage(parameters: network.parameters, decay: emaDecay, warmup: true)
    }

    /// One training timestep in 1…T, from two draws of `generator` whatever the outcome.
    public func drawTimestep(_ generator: inout SeededGenerator) -> Int {
        let choice = Double(generator.next() >> 11) / Double(1 << 53), value = generator.next()
        let limit = focusLimit.map { choice < focusShare ? min($0, schedule.steps) : schedule.steps } ?? schedule.steps
        return 1 + Int(value % UInt64(limit))
    }

    /// The noise-prediction loss of Eq. 5 at the given timesteps and noise, without perturbation (fixed draws
    /// make it comparable across runs).
    public func evaluate(_ batch: TrainingBatch, timesteps: [Int], noise: Tensor) -> Float {
        withoutGradients { loss(batch, timesteps: timesteps, noise: noise, inputNoise: noise).value.scalar }
    }

    @discardableResult
    public func step(_ batch: TrainingBatch, generator: inout SeededGenerator, clipNorm: Float = 1) -> Float {
        let timesteps = (0..<batch.size).map { _ in drawTimestep(&generator) }
        let noise = Tensor(randomNormal: batch.clean.shape, generator: &generator)
        // ξ is drawn only when γ > 0, so runs without it repeat their earlier draws.
        let inputNoise = inputPerturbation > 0
            ? noise + Tensor(randomNormal: batch.clean.shape, generator: &generator) * inputPerturbation : noise
        network.zeroGradients()
        let l = loss(batch, timesteps: timesteps, noise: noise, inputNoise: inputNoise)
        l.backward()
        clipGradientNorm(network.parameters, maxNorm: clipNorm)
        optimizer.update()
        average.update(from: network.parameters)
        return l.value.scalar
    }

    /// ‖noise − ε_θ(y_t, x, g(x), t)‖² with y_t noised by `inputNoise` (the same as `noise` without perturbation).
    func loss(_ batch: TrainingBatch, timesteps: [Int], noise: Tensor, inputNoise: Tensor) -> Variable {
        let conditioned = withoutGradients { conditioner(Variable(batch.degraded)) }.value
        let noisy = DiffusionMath.noised(batch.clean, noise: inputNoise, alphaBars: timesteps.map { schedule.alphaBar[$0] })
        let predicted = network.predictNoise(Variable(noisy), degraded: batch.degraded, conditioned: conditioned, timesteps: timesteps.map(Float.init))
        return mseLoss(predicted, Variable(noise))
    }
}

/// The mask sub-branch's objective (design §2): at a random t, take y_t, form ŷ_{0,t}, apply the
/// guided update with M, recompute ŷ_{0,t} (ε̂ held, or the denoiser's again: `reevaluatesNoise`),
/// and score it against y_0 with the identity loss plus λ times the face-perceptual distance. The
/// update uses `updateScale` in place of s·σ_t² so that one training step sees the effect a whole
/// guided run accumulates.
public final class MaskTrainer {
    /// The image y_t is drawn around: the ground truth y_0, or g(x), where restoration starts at T′.
    /// Around y_0, ŷ_{0,t} already carries the true identity and guidance towards f(g(x)) can only cost;
    /// around g(x) the objective sees what the sampler sees.
    public enum NoisedImage: String, CaseIterable, Sendable { case clean, conditioned }

    public let network: MaskBranch
    public let optimizer: Adam
    let unet: ConditionalUNet
    public let conditioner: IdentityPreservingConditioner
    let recognizer: FaceRecognizer
    let schedule: NoiseSchedule
    public var delta: Float
    public var perceptualWeight: Float
    /// μ, the weight of M's coverage: where the guidance changes nothing (away from the features the
    /// recognizer reads) only this term decides, so M stays off there.
    public var coverageWeight: Float
    public var updateScale: Float
    /// Whether ŷ_{0,t} after the update uses ε̂ of the updated y_t (gradient through the frozen denoiser)
    /// rather than ε̂ held. Held, the whole change reaches ŷ_{0,t}; the sampler's next step runs the
    /// denoiser on the changed image and undoes much of it (docs/mask-decision.md: the objective's best
    /// k is about 1 held and 10–30 re-evaluated, where the sampler's s·σ_t² lies), and a mask should
    /// learn where the change survives.
    public var reevaluatesNoise: Bool
    /// The scale of the logistic noise on M's decision logits in training (`MaskBranch.logisticNoise`):
    /// 1 draws M ~ Bernoulli(p); 0 thresholds p alone, which leaves the logits that decide "on" near 0,
    /// so the shipped M then flips with rounding (the first sub-branch: logits ~1e-4, coverage 28 % in
    /// fp32 and 2 % in bf16).
    public var decisionNoise: Float
    public var noised: NoisedImage
    public var maxTimestep: Int

    public init(network: MaskBranch, unet: ConditionalUNet, conditioner: IdentityPreservingConditioner, recognizer: FaceRecognizer,
                learningRate: Float = 1e-3, delta: Float = 0.04, perceptualWeight: Float = 1, coverageWeight: Float = 0.005, updateScale: Float = 3,
                reevaluatesNoise: Bool = false, decisionNoise: Float = 1, noised: NoisedImage = .conditioned, maxTimestep: Int = 400, schedule: NoiseSchedule = NoiseSchedule()) {
        self.network = network
        self.unet = unet
        self.conditioner = conditioner
        self.recognizer = recognizer
        self.schedule = schedule
        self.delta = delta
        self.perceptualWeight = perceptualWeight
        self.coverageWeight = coverageWeight
        self.updateScale = updateScale
        self.reevaluatesNoise = reevaluatesNoise
        self.decisionNoise = decisionNoise
        self.noised = noised
        self.maxTimestep = maxTimestep
        optimizer = Adam(parameters: network.parameters, learningRate: learningRate)
    }

    public func evaluate(_ batch: TrainingBatch, timesteps: [Int], noise: Tensor) -> (total: Float, coverage: Float) {
        withoutGradients {
            let (l, coverage) = loss(batch, timesteps: timesteps, noise: noise)
            return (l.value.scalar, coverage)
        }
    }

    @discardableResult
    public func step(_ batch: TrainingBatch, generator: inout SeededGenerator) -> (total: Float, coverage: Float) {
        let timesteps = (0..<batch.size).map { _ in 1 + Int(generator.next() % UInt64(maxTimestep)) }
        let noise = Tensor(randomNormal: batch.clean.shape, generator: &generator)
        let grid = network.decisionGrid(resolution: batch.clean.shape[2])
        let draw = decisionNoise == 0 ? nil : MaskBranch.logisticNoise(shape: [batch.size, 1, grid, grid], scale: decisionNoise, generator: &generator)
        network.zeroGradients()
        let (l, coverage) = loss(batch, timesteps: timesteps, noise: noise, decisionNoise: draw)
        l.backward()
        unet.zeroGradients()  // its weights are frozen; only y_t's gradient through it (reevaluatesNoise) is wanted
        optimizer.update()
        return (l.value.scalar, coverage)
    }

    /// Everything the objective needs that does not depend on the mask.
    struct Setup {
        let noisy: Tensor, epsilon: Tensor, gradient: Tensor, proxy: Tensor, features: Tensor
        let degraded: Tensor, conditioned: Tensor
        let timesteps: [Float], alphaBars: [Double]
        let clean: Variable, truth: Variable
    }

    func setup(_ batch: TrainingBatch, timesteps: [Int], noise: Tensor) -> Setup {
        let (conditioned, features) = withoutGradients {
            let (output, features) = conditioner.withFeatures(Variable(batch.degraded))
            return (output.value, features.value)
        }
        let proxy = proxyMask(conditioned: conditioned, degraded: batch.degraded, delta: delta)
        // y_t, ε̂ and ŷ_{0,t} per sample, then ∇_{y_t} L_arc with ε̂ held (Eq. 7 against f(g(x))).
        let alphaBars = timesteps.map { schedule.alphaBar[$0] }
        let yt = DiffusionMath.noised(noised == .clean ? batch.clean : conditioned, noise: noise, alphaBars: alphaBars)
        let epsilon = withoutGradients { unet.predictNoise(Variable(yt), degraded: batch.degraded, conditioned: conditioned, timesteps: timesteps.map(Float.init)) }.value
        let start = withoutGradients { DiffusionMath.predictedStart(Variable(yt), noise: Variable(epsilon), alphaBars: alphaBars) }.value
        let target = withoutGradients { recognizer.descriptors(Variable(conditioned)) }
        let (gradient, _) = IdentityGuidance.heldNoiseGradient(predictedStart: start, alphaBars: alphaBars, target: target, recognizer: recognizer)
        let clean = Variable(batch.clean)
        return Setup(noisy: yt, epsilon: epsilon, gradient: gradient, proxy: proxy, features: features, degraded: batch.degraded,
                     conditioned: conditioned, timesteps: timesteps.map(Float.init), alphaBars: alphaBars, clean: clean,
                     truth: withoutGradients { recognizer.descriptors(clean) })
    }

    /// The guided update with `mask` (the sampler's, with the update scale in place of s·σ_t²),
    /// ŷ_{0,t} again (ε̂ held or re-evaluated), scored against y_0; plus μ times M's coverage.
    func objective(_ setup: Setup, mask: Variable) -> Variable {
        let updated = IdentityGuidance.shifted(Variable(setup.noisy), by: Variable(setup.gradient), mask: mask, factor: updateScale)
        let epsilon = reevaluatesNoise ? unet.predictNoise(updated, degraded: setup.degraded, conditioned: setup.conditioned, timesteps: setup.timesteps)
            : Variable(setup.epsilon)
        let restored = DiffusionMath.predictedStart(updated, noise: epsilon, alphaBars: setup.alphaBars)
        return identityLoss(recognizer.descriptors(restored), setup.truth).mean()
            + recognizer.perceptualDistance(restored, setup.clean).mean() * perceptualWeight
            + mask.mean() * coverageWeight
    }

    func loss(_ batch: TrainingBatch, timesteps: [Int], noise: Tensor, decisionNoise: Tensor? = nil) -> (Variable, Float) {
        let setup = setup(batch, timesteps: timesteps, noise: noise)
        let mask = network(Variable(batch.degraded), proxy: Variable(setup.proxy), features: Variable(setup.features),
                           decisionNoise: decisionNoise)  // [B, 1, R, R], straight-through
        return (objective(setup, mask: mask), mask.value.sum() / Float(mask.value.count))
    }

    /// The objective with the learned M, with M′, with no mask (no update) and with M ≡ 1, on the
    /// same draws; and the coverage of M and of M′.
    public func compareMasks(_ batch: TrainingBatch, timesteps: [Int], noise: Tensor) -> [(name: String, value: Float)] {
        let setup = setup(batch, timesteps: timesteps, noise: noise)
        return withoutGradients {
            let learned = network(Variable(batch.degraded), proxy: Variable(setup.proxy), features: Variable(setup.features)).value
            let shape = learned.shape
            func score(_ mask: Tensor) -> Float { objective(setup, mask: Variable(mask)).value.scalar }
            return [("objective_M", score(learned)), ("objective_proxy", score(setup.proxy)),
                    ("objective_none", score(Tensor(zeros: shape))), ("objective_uniform", score(Tensor(repeating: 1, shape: shape))),
                    ("coverage_M", learned.sum() / Float(learned.count)), ("coverage_proxy", setup.proxy.sum() / Float(setup.proxy.count))]
        }
    }
}
