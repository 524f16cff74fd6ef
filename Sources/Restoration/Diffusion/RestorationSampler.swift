import FaceID
import Tensors

/// What the sampler asks for ε̂: the conditional UNet, or a stand-in in tests.
public protocol NoisePredictor: AnyObject {
    /// ε̂(y_t; x, g(x), t) for a [N, 3, R, R] y_t. Records the graph when y_t requires a gradient.
    func predictNoise(_ current: Variable, degraded: Tensor, conditioned: Tensor, timestep: Int) -> Variable
}

extension ConditionalUNet: NoisePredictor {
    public func predictNoise(_ current: Variable, degraded: Tensor, conditioned: Tensor, timestep: Int) -> Variable {
        predictNoise(current, degraded: degraded, conditioned: conditioned, timesteps: [Float](repeating: Float(timestep), count: current.shape[0]))
    }

    /// ε̂ with a timestep per sample (the trainers'): the UNet reads [y_t, x, g(x)] along the channels.
    public func predictNoise(_ current: Variable, degraded: Tensor, conditioned: Tensor, timesteps: [Float]) -> Variable {
        self(concatenate([current, Variable(degraded), Variable(conditioned)], axis: 1), timesteps: timesteps)
    }
}

/// One reverse step's results, for display and analysis.
public struct SamplerState: Sendable {
    /// 1-based index of this step and the number of steps in the run.
    public let step: Int, stepCount: Int
    /// The step went from timestep t to s (s = 0 is the final image).
    public let timestep: Int, nextTimestep: Int
    /// y_s after the step.
    public let current: Tensor
    /// ŷ_{0,t} (Eq. 6) and ε̂ at t.
    public let predictedStart: Tensor, predictedNoise: Tensor
    /// ∇_{y_t} L_arc when guidance ran at this step, its L2 norm, and L_arc (Eq. 7).
    public let guidanceGradient: Tensor?
    public let gradientNorm: Float
    public let identityLoss: Float?
    /// The mask the guidance used (nil when off).
    public let mask: Tensor?
    /// What the guidance changed in y_s this step (guided minus unguided, same noise): for DDPM
    /// −s·σ_t²·(∇L ⊙ M); nil when no guidance ran.
    public let guidanceShift: Tensor?
    public let modelMilliseconds: Double, guidanceMilliseconds: Double
    public var isFinal: Bool { nextTimestep == 0 }
}

/// The reverse diffusion of the paper as a steppable sequence: each `next()` performs one step.
///
/// Deterministic for a seed: the starting noise and the noise of the step at timestep t come from
/// streams named by the seed and t, so runs that differ only in guidance share their noise.
public final class RestorationSampler: IteratorProtocol, Sequence {
    public let schedule: NoiseSchedule
    public let degraded: Tensor, conditioned: Tensor
    public private(set) var settings: SamplerSettings
    public private(set) var proxyMask: Tensor
    public private(set) var learnedMask: Tensor?
    public private(set) var current: Tensor
    public private(set) var plan: [Int]
    public private(set) var position = 0

    let predictor: NoisePredictor
    let recognizer: FaceRecognizer?
    let maskBranch: MaskBranch?
    /// The IPC's deep features, which a mask sub-branch reads.
    let conditionerFeatures: Tensor?
    /// The user's mask ([N, 1, R, R], {0, 1}), for `MaskSource.user`.
    public private(set) var userMask: Tensor?
    let targetDescriptor: Variable?

    /// - Parameters: `degraded` x and `conditioned` g(x), [1, 3, R, R] in [−1, 1]; the recognizer is
    ///   needed for guidance; without a mask branch, masked guidance uses the proxy mask M′; a mask
    ///   sub-branch needs the IPC's features.
    public init(predictor: NoisePredictor, degraded: Tensor, conditioned: Tensor, settings: SamplerSettings,
                recognizer: FaceRecognizer? = nil, maskBranch: MaskBranch? = nil, conditionerFeatures: Tensor? = nil,
                userMask: Tensor? = nil, schedule: NoiseSchedule = NoiseSchedule()) {
        precondition(userMask == nil || userMask!.shape == [degraded.shape[0], 1, degraded.shape[2], degraded.shape[3]],
                     "a user mask is [N, 1, R, R] like the image")
        precondition(degraded.shape == conditioned.shape && degraded.rank == 4 && degraded.shape[1] == 3,
                     "the sampler needs x and g(x) as [N, 3, R, R] of one shape")
        precondition(settings.guidance == .off || recognizer != nil, "identity guidance needs the face recognizer")
        self.predictor = predictor
        self.degraded = degraded
        self.conditioned = conditioned
        self.recognizer = recognizer
        self.maskBranch = maskBranch
        self.conditionerFeatures = conditionerFeatures
        self.userMask = userMask
        self.schedule = schedule
        self.settings = settings
        targetDescriptor = recognizer.map { r in withoutGradients { r.descriptors(Variable(conditioned)) } }
        proxyMask = Tensor(zeros: [1])
        current = conditioned
        plan = []
        updateMasks()
        restart(with: settings)
    }

    /// Starts again from T′ (or T for "Net1") with these settings.
    public func restart(with settings: SamplerSettings) {
        precondition(settings.startStep >= 1 && settings.startStep <= schedule.steps, "T′ must be in 1…\(schedule.steps)")
        let deltaChanged = settings.delta != self.settings.delta
        self.settings = settings
        if deltaChanged { updateMasks() }
        plan = settings.plan(scheduleSteps: schedule.steps)
        position = 0
        var generator = SeededGenerator(seed: settings.seed, stream: "start")
        let noise = Tensor(randomNormal: conditioned.shape, generator: &generator)
        current = settings.startFromNoise ? noise : DiffusionMath.noised(conditioned, noise: noise, alphaBar: schedule.alphaBar[plan[0]])
    }

    /// Changes the knobs that act from the next step on (guidance mode, mask source, s, δ, τ, window, exact gradient).
    public func update(guidance: GuidanceMode? = nil, maskSource: MaskSource? = nil, scale: Float? = nil, delta: Float? = nil,
                       noiseTemperature: Float? = nil, window: ClosedRange<Int>?? = nil, exactGradient: Bool? = nil) {
        if let guidance { precondition(guidance == .off || recognizer != nil, "identity guidance needs the face recognizer"); settings.guidance = guidance }
        if let maskSource { settings.maskSource = maskSource }
        if let scale { settings.scale = scale }
        if let noiseTemperature { settings.noiseTemperature = noiseTemperature }
        if let window { settings.window = window }
        if let exactGradient { settings.exactGradient = exactGradient }
        if let delta, delta != settings.delta { settings.delta = delta; updateMasks() }
    }

    /// Replaces the user's mask (painted in the explorer); it applies from the next step.
    public func update(userMask mask: Tensor?) {
        precondition(mask == nil || mask!.shape == proxyMask.shape, "a user mask is [N, 1, R, R] like the image")
        userMask = mask
    }

    /// The mask guidance uses now: ones (uniform), the chosen source's mask, or nil (off).
    public var activeMask: Tensor? {
        switch settings.guidance {
        case .off: nil
        case .uniform: Tensor(repeating: 1, shape: proxyMask.shape)
        case .masked: mask(of: settings.maskSource)
        }
    }

    /// A source's mask: M (M′ without a mask branch), M′, the facial regions, or the user's (M when
    /// the user has none).
    public func mask(of source: MaskSource) -> Tensor {
        switch source {
        case .learned: learnedMask ?? proxyMask
        case .proxy: proxyMask
        case .regions:
            Tensor.concatenate(Array(repeating: FacialRegions.mask(resolution: proxyMask.shape[2]), count: proxyMask.shape[0]), axis: 0)
        case .user: userMask ?? learnedMask ?? proxyMask
        }
    }

    /// The share of pixels M′ marks at the current δ.
    public var proxyCoverage: Float { proxyMask.sum() / Float(proxyMask.count) }

    private func updateMasks() {
        proxyMask = Restoration.proxyMask(conditioned: conditioned, degraded: degraded, delta: settings.delta)
        learnedMask = maskBranch.map { branch in
            withoutGradients { branch(Variable(degraded), proxy: Variable(proxyMask), features: conditionerFeatures.map { Variable($0) }) }.value
        }
    }

    public var isFinished: Bool { position >= plan.count }

    public func next() -> SamplerState? {
        // Guidance differentiates even when the caller runs inference without a tape.
        withGradients { step() }
    }

    private func step() -> SamplerState? {
        guard position < plan.count else { return nil }
        let t = plan[position]
        let s = position + 1 < plan.count ? plan[position + 1] : 0
        position += 1
        let alphaBar = schedule.alphaBar[t]
        let alphaBars = [Double](repeating: alphaBar, count: current.shape[0])
        let guided = settings.guidance != .off && settings.scale != 0 && (settings.window?.contains(t) ?? true)
        let mask = guided ? activeMask : nil

        let modelStart = monotonicMilliseconds()
        var noise: Tensor
        var gradient: Tensor? = nil
        var loss: Float? = nil
        var guidanceTime = 0.0
        if guided && settings.exactGradient {
            let y = Variable(current, requiresGradient: true)
            let epsilon = predictor.predictNoise(y, degraded: degraded, conditioned: conditioned, timestep: t)
            noise = epsilon.value
            let guidanceStart = monotonicMilliseconds()
            let start = DiffusionMath.predictedStart(y, noise: epsilon, alphaBars: alphaBars)
            let l = IdentityGuidance.loss(start, target: targetDescriptor!, recognizer: recognizer!)
            l.backward()
            loss = l.value.scalar
            gradient = y.gradient
            guidanceTime = monotonicMilliseconds() - guidanceStart
        } else {
            noise = withoutGradients { predictor.predictNoise(Variable(current), degraded: degraded, conditioned: conditioned, timestep: t) }.value
            if guided {
                let guidanceStart = monotonicMilliseconds()
                (gradient, loss) = IdentityGuidance.heldNoiseGradient(
                    predictedStart: DiffusionMath.predictedStart(current, noise: noise, alphaBar: alphaBar), alphaBars: alphaBars,
                    target: targetDescriptor!, recognizer: recognizer!)
                guidanceTime = monotonicMilliseconds() - guidanceStart
            }
        }
        let modelTime = monotonicMilliseconds() - modelStart - guidanceTime
        let maskedGradient = gradient.map { g in withoutGradients { IdentityGuidance.masked(Variable(g), mask.map { Variable($0) }) }.value }

        let previous = current
        var shift: Tensor? = nil
        var predictedStart = DiffusionMath.predictedStart(current, noise: noise, alphaBar: alphaBar)
        var stepNoise = Tensor(zeros: current.shape)
        if s > 0 {
            var generator = SeededGenerator(seed: settings.seed, stream: "step \(t)")
            stepNoise = Tensor(randomNormal: current.shape, generator: &generator)
            if settings.noiseTemperature != 1 { stepNoise = stepNoise.map { settings.noiseTemperature * $0 } }
        }
        switch settings.kind {
        case .ddpm:
            if settings.clipPredictedStart { predictedStart = predictedStart.map { Swift.min(Swift.max($0, -1), 1) } }
            let (c0, ct, variance) = schedule.posterior(from: t, to: s)
            var mean = Tensor.combined(predictedStart, current) { Float(c0) * $0 + Float(ct) * $1 }
            if let gradient {
                // μ′ = μ − s·σ_t²·(∇L ⊙ M)
                let guided = IdentityGuidance.shifted(mean, by: gradient, mask: mask, factor: settings.scale * Float(variance))
                shift = guided - mean
                mean = guided
            }
            let sigma = Float(variance.squareRoot())
            current = Tensor.combined(mean, stepNoise) { $0 + sigma * $1 }
        case .ddim(let eta):
            let unguidedNoise = noise
            if let gradient {
                // Classifier guidance in ε form: ε̂′ = ε̂ + s·√(1 − ᾱ_t)·(∇L ⊙ M).
                noise = IdentityGuidance.shifted(noise, by: gradient, mask: mask, factor: -settings.scale * Float((1 - alphaBar).squareRoot()))
                predictedStart = DiffusionMath.predictedStart(current, noise: noise, alphaBar: alphaBar)
            }
            if settings.clipPredictedStart {
                predictedStart = predictedStart.map { Swift.min(Swift.max($0, -1), 1) }
                noise = DiffusionMath.noise(relating: current, to: predictedStart, alphaBar: alphaBar)
            }
            let next = schedule.alphaBar[s]
            let sigma = eta * ((1 - next) / (1 - alphaBar)).squareRoot() * (1 - alphaBar / next).squareRoot()
            let a = Float(next.squareRoot()), b = Float(Swift.max(1 - next - sigma * sigma, 0).squareRoot()), c = Float(sigma)
            func nextState(_ start: Tensor, _ epsilon: Tensor) -> Tensor {
                Tensor.combined(Tensor.combined(start, epsilon) { a * $0 + b * $1 }, stepNoise) { $0 + c * $1 }
            }
            current = nextState(predictedStart, noise)
            if gradient != nil {
                var unguidedStart = DiffusionMath.predictedStart(previous, noise: unguidedNoise, alphaBar: alphaBar), unguided = unguidedNoise
                if settings.clipPredictedStart {
                    unguidedStart = unguidedStart.map { Swift.min(Swift.max($0, -1), 1) }
                    unguided = DiffusionMath.noise(relating: previous, to: unguidedStart, alphaBar: alphaBar)
                }
                shift = current - nextState(unguidedStart, unguided)
            }
        }
        return SamplerState(step: position, stepCount: plan.count, timestep: t, nextTimestep: s, current: current,
                            predictedStart: predictedStart, predictedNoise: noise, guidanceGradient: maskedGradient,
                            gradientNorm: maskedGradient.map { $0.squaredNorm.squareRoot() } ?? 0, identityLoss: loss,
                            mask: mask, guidanceShift: shift, modelMilliseconds: modelTime, guidanceMilliseconds: guidanceTime)
    }
}
