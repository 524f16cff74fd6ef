import ArgumentParser
import CommandLineSupport
import FaceID
import FileIO
import Imaging
import Restoration
import Tensors

extension GuidanceMode: ExpressibleByArgument {}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore degraded faces: IPC, then guided reverse diffusion from T′ (the paper's pipeline), headless.",
        discussion: """
        Inputs are square face images: dlib chips of any size (--align chip, resized to the model's resolution) or \
        FFHQ-aligned faces (--align ffhq512, the chip box is cut out and the result pasted back). Non-square images are \
        refused; a square image that is not a face is restored anyway. Each output gets a JSON sidecar with the settings, \
        timings and identity scores.
        """)

    enum Sampler: String, ExpressibleByArgument { case ddpm, ddim }

    @Argument(help: "Face images, or one folder of them.") var inputs: [String]
    @Option(name: .shortAndLong, help: "Output image (one input) or folder.") var output: String
    @Option(help: "Folder with ipc/unet/mask .safetensors (default: the project's Models/).") var weights: String?
    @Option(name: .customLong("tprime"), help: "T′, the step the reverse process starts from.") var startStep = 400
    @Option(help: "ddpm or ddim.") var sampler: Sampler = .ddpm
    @Option(help: "Number of steps K (respaced DDPM or DDIM); default every step from T′.") var steps: Int?
    @Option(help: "DDIM's η.") var eta = 0.0
    @Option(help: "Identity guidance: off, uniform or masked.") var guidance: GuidanceMode = .masked
    @Option(help: "Guidance strength s.") var scale: Float = 1
    @Option(help: "δ for the proxy mask M′ (Eq. 8), on the [0, 1] scale.") var delta: Float = 0.3
    @Flag(name: .customLong("exact-grad"), help: "Differentiate the identity loss through the UNet.") var exactGradient = false
    @Option(help: "Seed for the starting noise and every step's noise.") var seed: UInt64 = 0
    @OptionGroup var alignment: AlignmentOption
    @Option(name: .customLong("save-steps"), help: "Also save ŷ0 every N steps.") var saveSteps: Int?
    @Flag(name: .customLong("save-masks"), help: "Also save M′ and M as PNG.") var saveMasks = false

    func validate() throws {
        if !(1...1000).contains(startStep) { throw ValidationError("--tprime must be between 1 and 1000") }
        if let steps, !(1...startStep).contains(steps) { throw ValidationError("--steps must be between 1 and T′ (\(startStep))") }
        if !(scale.isFinite && scale >= 0) { throw ValidationError("--scale must be ≥ 0") }
        if !(delta.isFinite && delta >= 0 && delta <= 1) { throw ValidationError("--delta must be in [0, 1]") }
        if !(eta >= 0 && eta <= 1) { throw ValidationError("--eta must be in [0, 1]") }
        if let saveSteps, saveSteps < 1 { throw ValidationError("--save-steps must be ≥ 1") }
    }

    func run() throws {
        var files: [String] = []
        for input in inputs {
            switch pathKind(input) {
            case .missing: throw ImageError.notFound(path: input)
            case .folder: files += try Folder.list(input, where: ImageFile.isImageName).map { input + "/" + $0 }
            case .file: files.append(input)
            }
        }
        if files.isEmpty { throw ValidationError("no .png or .jpg images in \(inputs.joined(separator: ", "))") }
        let singleFile = files.count == 1 && ImageFile.format(forPath: output) != nil
        if !singleFile { try Folder.create(output) }

        EngineRuntime.prepare()
        let pipeline = try RestorationPipeline.load(from: weights)
        var job = RestoreJob()
        job.alignment = alignment.align
        job.saveEvery = saveSteps
        job.saveMasks = saveMasks
        job.settings.startStep = startStep
        job.settings.kind = sampler == .ddpm ? .ddpm : .ddim(eta: eta)
        job.settings.steps = steps
        job.settings.guidance = guidance
        job.settings.scale = scale
        job.settings.delta = delta
        job.settings.exactGradient = exactGradient
        job.settings.seed = seed

        let stepsPerImage = job.settings.plan(scheduleSteps: 1000).count
        let progress = ProgressBar(total: files.count * stepsPerImage, label: "restore")
        var failures = 0
        for file in files {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            let target = singleFile ? output : output + "/" + replacingExtension(name, with: "png")
            do {
                let record = try job.run(pipeline, input: file, output: target) { state in
                    progress.advance(note: state.identityLoss.map { "L_arc \(String(format: "%.4f", $0))" } ?? "")
                }
                print("\(record.output): \(record.steps) steps in \(String(format: "%.1f", record.seconds)) s, IDS to g(x) \(String(format: "%.3f", record.identityToConditioner)) (input \(String(format: "%.3f", record.inputIdentityToConditioner)))")
            } catch {
                if files.count == 1 { throw error }
                failures += 1
                writeStandardError("skipped \(error)\n")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
