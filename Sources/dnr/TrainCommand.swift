import ArgumentParser
import CommandLineSupport
import FaceID
import FileIO
import Foundation
import Restoration
import Tensors

extension MaskTrainer.NoisedImage: ExpressibleByArgument {}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the IPC, the diffusion model or the mask branch on a folder of aligned faces.",
        discussion: """
        Degradations are drawn on the fly from the paper's ranges. Checkpoints (weights, optimiser state, EMA, random \
        state, step) are written atomically to the cache folder every --checkpoint-every steps; --resume continues \
        exactly where the last one stopped. The log (log.csv) and sample grids (samples/) go there too. When the run \
        ends, the weights are exported as fp16 safetensors with a model card. Train in order: ipc, diffusion, mask.
        """)

    enum Network: String, ExpressibleByArgument {
        case ipc, diffusion, mask

        /// The weight file this network is exported to (and started from with --from-models).
        var exportFile: String {
            switch self {
            case .ipc: ModelStore.conditionerFile
            case .diffusion: ModelStore.unetFile
            case .mask: ModelStore.maskFile
            }
        }
    }

    @Argument(help: "ipc, diffusion or mask.") var network: Network
    @Option(help: "A folder of aligned faces (with faces.csv, or just images).") var data: String
    @Option(help: "The manifest split to train on.") var split = "train"
    @Option(help: "Total steps.") var steps = 10_000
    @Option(help: "Batch size.") var batch = 16
    @Option(help: "Learning rate (default: a resumed run's own, else 2e-4 ipc, 2e-4 diffusion, 1e-3 mask).") var lr: Float?
    @Option(help: "Seed of the data order, degradations and noise.") var seed: UInt64 = 0
    @Flag(help: "Continue from the checkpoint in the cache folder.") var resume = false
    @Flag(help: "Start from this network's exported weights in --models instead of random ones, with a fresh optimiser (when the cache's checkpoint is lost); the card records what it started from.") var fromModels = false
    @Option(help: "Cache folder for checkpoints, log and samples (default ~/.cache/dnr/train/NETWORK).") var cache: String?
    @Option(help: "Folder with the trained networks this one needs, and where it is exported (default Models).") var models = "Models"
    @Option(help: "Steps between checkpoints.") var checkpointEvery = 50
    @Option(help: "Steps between sample grids.") var sampleEvery = 250
    @Option(help: "Diffusion: draw half the timesteps from 1…N (restoration starts at T′ ≤ N); 0 draws all from 1…T.") var focus = 400
    @Option(help: "Diffusion: γ of input perturbation (Ning et al. 2023): y_t is noised with ε + γ·ξ, the target stays ε; 0 is Eq. 5 as written.") var inputPerturbation: Float = 0
    @Option(help: "Denoiser size for diffusion without --from-models: \(UNetConfiguration.named.keys.sorted().joined(separator: " or ")); default is the size shipped in Models/.") var unet = "default"
    @Option(help: "Mask: the step of the guided update y_t − k·(∇L ⊙ M) the objective scores.") var updateScale: Float = 3
    @Flag(help: "Mask: score ŷ_{0,t} with ε̂ re-evaluated at the updated y_t (the gradient runs through the frozen denoiser, which undoes part of the change, as the sampler's next step does) instead of held; pair it with an --update-scale of 10–30.") var reevaluateNoise = false
    @Option(help: "Mask: the image y_t is drawn around, clean (y_0) or conditioned (g(x), where the sampler starts).") var noised: MaskTrainer.NoisedImage = .conditioned
    @Option(help: "Mask: λ, the weight of the face-perceptual distance beside the identity loss.") var perceptualWeight: Float = 1
    @Option(help: "Mask: μ, the weight of M's coverage (its mean) in the objective.") var coverageWeight: Float = 0.005
    @Option(help: "Mask: the scale of the logistic noise on M's decision logits in training (1: M is a Bernoulli draw, so the branch commits; 0: the bare 0.5 threshold, whose logits can stay near 0).") var decisionNoise: Float = 1

    func validate() throws {
        if decisionNoise < 0 { throw ValidationError("--decision-noise must be at least 0 (1 draws M as a Bernoulli variable)") }
        if !(0...1).contains(inputPerturbation) { throw ValidationError("--input-perturbation must be in 0…1 (Ning et al. use 0.1)") }
        if resume && fromModels { throw ValidationError("--resume continues a checkpoint and --from-models starts a new run from exported weights: choose one") }
    }

    func run() throws {
        EngineRuntime.prepare()
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/tmp"
        let cacheFolder = cache ?? home + "/.cache/dnr/train/" + network.rawValue
        // --resume rebuilds the network the checkpoint holds, whatever the flags and defaults say now.
        let saved = resume ? TrainingRun.checkpointConfiguration(in: cacheFolder) : nil
        func savedConfiguration<C: CheckedConfiguration>(_ type: C.Type) throws -> C? {
            guard let saved, let decoded = try? JSONDecoder().decode(C.self, from: Data(saved.utf8)) else { return nil }
            if let problem = decoded.problem { throw ValidationError("\(cacheFolder)/checkpoint.safetensors: its network cannot be built: \(problem)") }
            return decoded
        }
        // --lr given wins; else a resumed run keeps its checkpoint's rate; else the network's default.
        let lr = self.lr ?? (resume ? TrainingRun.checkpointLearningRate(in: cacheFolder) : nil)
        let task: TrainingTask
        switch network {
        case .ipc:
            let ipc = fromModels ? try ModelStore.loadConditioner(from: models)
                : IdentityPreservingConditioner(try savedConfiguration(ConditionerConfiguration.self) ?? .standard, seed: seed)
            task = ConditionerTask(ConditionerTrainer(network: ipc, recognizer: try FaceRecognizer.loadDefault(), learningRate: lr ?? 2e-4))
        case .diffusion:
            guard let named = UNetConfiguration.named[unet] else {
                throw ValidationError("unknown --unet \(unet); choose one of \(UNetConfiguration.named.keys.sorted().joined(separator: ", "))")
            }
            let denoiser = fromModels ? try ModelStore.loadUNet(from: models) : ConditionalUNet(try savedConfiguration(UNetConfiguration.self) ?? named, seed: seed)
            task = DiffusionTask(DiffusionTrainer(network: denoiser, conditioner: try ModelStore.loadConditioner(from: models), learningRate: lr ?? 2e-4,
                                                  focusLimit: focus > 0 ? focus : nil, inputPerturbation: inputPerturbation))
        case .mask:
            let mask = try savedConfiguration(MaskConfiguration.self).map { MaskBranch($0, seed: seed) } ?? startingMask()
            task = MaskTask(MaskTrainer(network: mask, unet: try ModelStore.loadUNet(from: models),
                                        conditioner: try ModelStore.loadConditioner(from: models), recognizer: try FaceRecognizer.loadDefault(), learningRate: lr ?? 1e-3,
                                        perceptualWeight: perceptualWeight, coverageWeight: coverageWeight, updateScale: updateScale, reevaluatesNoise: reevaluateNoise, decisionNoise: decisionNoise, noised: noised))
        }
        let resolution = 64
        let trainingData = try TrainingData(folder: data, split: split, resolution: resolution)
        var options = TrainingOptions(cacheFolder: cacheFolder,
                                      exportPath: models + "/" + network.exportFile)
        options.steps = steps
        options.batch = batch
        options.seed = seed
        options.checkpointEvery = checkpointEvery
        options.sampleEvery = sampleEvery
        options.command = PortablePath.commandLine(["dnr"] + CommandLine.arguments.dropFirst())
        if fromModels { options.startedFrom = ModelFingerprint.list(in: models).first { $0.file == network.exportFile }?.line }
        if let mask = task.module as? MaskBranch, mask.configuration.architecture == .subBranch {  // it reads this IPC's features
            options.ipcSHA256 = Checksum.sha256(try AtomicFile.read(models + "/" + ModelStore.conditionerFile))
        }
        options.dataDescription = "\(PortablePath.relative(data)) (split \(split), \(trainingData.files.count) images), degradations drawn from the paper's ranges at R = \(resolution)"
        let run = TrainingRun(task: task, data: trainingData, options: options)
        if resume {
            if try run.resume() { print("resumed at step \(run.step) from \(options.cacheFolder)") } else { print("no checkpoint in \(options.cacheFolder); starting fresh") }
        } else if FileManager.default.fileExists(atPath: options.cacheFolder + "/checkpoint.safetensors") {
            throw ValidationError("\(options.cacheFolder) already holds a checkpoint: pass --resume to continue it, or --cache to start elsewhere")
        }
        print("training \(network.rawValue): \(task.module.parameterCount) parameters, learning rate \(task.optimizer.learningRate), \(trainingData.files.count) images, batch \(batch), \(steps) steps; cache \(options.cacheFolder)")
        let progress = ProgressBar(total: steps, label: network.rawValue)
        progress.resume(at: run.step)
        try run.run { _, losses, _ in
            progress.advance(note: losses.map { "\($0.name) \(String(format: "%.4f", $0.value))" }.joined(separator: " "))
        }
        try run.export()
        print("exported \(options.exportPath) (and its model card); \(trainingData.skipped) unreadable images skipped")
    }
}

extension TrainCommand {
    /// A new mask is a sub-branch of the IPC in --models (it reads that IPC's features).
    func startingMask() throws -> MaskBranch {
        guard fromModels else { return MaskBranch(.subBranch(of: try ModelStore.loadConditioner(from: models).configuration), seed: seed) }
        guard let mask = try ModelStore.loadMask(from: models) else { throw ValidationError("--from-models: no \(ModelStore.maskFile) in \(models)") }
        return mask
    }
}
