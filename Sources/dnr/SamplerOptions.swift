import ArgumentParser
import FileIO
import Restoration

extension GuidanceMode: ExpressibleByArgument {}

/// The sampler's flags, shared by `dnr restore`, `dnr explore` and `dnr eval` (where the methods
/// choose the guidance mode and `--seed` also seeds the degradations).
struct SamplerOptions: ParsableArguments {
    // The defaults are SamplerSettings' (the one place each knob is declared).
    enum Sampler: String, ExpressibleByArgument { case ddpm, ddim }

    @Option(name: .customLong("tprime"), parsing: .unconditional, help: "T′, the step the reverse process starts from.") var startStep = SamplerSettings().startStep
    @Option(help: "ddpm or ddim.") var sampler: Sampler = .ddpm
    @Option(help: StepCount.help) var steps: StepCount?
    // .unconditional: a negative value ("--delta -1") reaches the range check instead of being read as a flag.
    @Option(parsing: .unconditional, help: "DDIM's η.") var eta = 0.0
    @Option(parsing: .unconditional, help: "Guidance strength s.") var scale: Float = SamplerSettings().scale
    @Option(parsing: .unconditional, help: "δ for the proxy mask M′ (Eq. 8), on the [0, 1] scale.") var delta: Float = SamplerSettings().delta
    @Option(parsing: .unconditional, help: "Noise temperature τ: each step adds τ times the sampler's noise (1: the paper's DDPM; below 1: fewer invented structures, smoother).") var temperature: Float = SamplerSettings().noiseTemperature
    @Option(help: "The mask of masked guidance: learned (the mask branch's M), proxy (M′), regions (fixed boxes around the eyes, nose and mouth), or a PNG/JPEG file (white where guidance acts; resized to the model's resolution; the explorer's brush saves one).") var mask = "learned"
    @Flag(name: .customLong("exact-grad"), help: "Differentiate the identity loss through the UNet.") var exactGradient = false

    /// How --mask is written in records: its name, or the file's path relative to the repository.
    var maskRecord: String { maskFile.map { PortablePath.relative($0) } ?? mask }

    /// The mask file given with --mask, if any.
    var maskFile: String? { Self.namedMasks[mask] == nil ? mask : nil }
    static let namedMasks: [String: MaskSource] = ["learned": .learned, "proxy": .proxy, "regions": .regions]

    func validate() throws {
        if let maskFile, pathKind(maskFile) != .file { throw ValidationError("--mask takes learned, proxy, regions or an image file; \(maskFile) is not a file") }
        try Self.check(startStep: startStep, steps: steps, scale: scale, delta: delta, eta: eta, temperature: temperature)
        if eta != 0 && sampler == .ddpm { throw ValidationError("--eta applies to --sampler ddim only") }
    }

    /// The knobs' ranges, checked the same way wherever they are given (restore, explore, eval).
    static func check(startStep: Int, steps: StepCount?, scale: Float, delta: Float, eta: Double, temperature: Float) throws {
        if !(1...1000).contains(startStep) { throw ValidationError("--tprime must be between 1 and 1000") }
        if let problem = StepCount.problem(steps, startStep: startStep) { throw ValidationError(problem) }
        if !(scale.isFinite && scale >= 0) { throw ValidationError("--scale must be ≥ 0") }
        if !(delta.isFinite && delta >= 0 && delta <= 1) { throw ValidationError("--delta must be in [0, 1]") }
        if !(eta >= 0 && eta <= 1) { throw ValidationError("--eta must be in [0, 1]") }
        if !(temperature >= 0 && temperature <= 2) { throw ValidationError("--temperature must be in [0, 2]") }
    }

    var settings: SamplerSettings {
        var s = SamplerSettings()
        s.startStep = startStep
        s.kind = sampler == .ddpm ? .ddpm : .ddim(eta: eta)
        s.steps = StepCount.resolved(steps, startStep: startStep)
        s.maskSource = maskFile != nil ? .user : Self.namedMasks[mask]!
        s.scale = scale
        s.delta = delta
        s.noiseTemperature = temperature
        s.exactGradient = exactGradient
        return s
    }
}

/// The guidance mode and noise seed of one restoration (`dnr restore`, `dnr explore`).
struct GuidanceOptions: ParsableArguments {
    @Option(help: "Identity guidance: off, uniform or masked.") var guidance: GuidanceMode = .masked
    @Option(help: "Seed for the starting noise and every step's noise.") var seed: UInt64 = 0

    /// `sampling`'s settings with this mode and seed.
    func settings(_ sampling: SamplerOptions) -> SamplerSettings {
        var s = sampling.settings
        s.guidance = guidance
        s.seed = seed
        return s
    }
}
