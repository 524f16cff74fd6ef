import ArgumentParser
import CommandLineSupport
import FaceID
import FileIO
import Imaging
import Restoration
import Tensors

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore degraded faces: IPC, then guided reverse diffusion from T′ (the paper's pipeline), headless.",
        discussion: """
        Inputs are square face images: dlib chips of any size (--align chip, resized to the model's resolution) or \
        FFHQ-aligned faces (--align ffhq512, the chip box is cut out and the result pasted back). Non-square images are \
        refused; a square image that is not a face is restored anyway. Each output gets a JSON sidecar with the settings, \
        timings and identity scores. --ipc-only writes the IPC's output g(x) alone (no diffusion): the fast, \
        fidelity-first answer, in the same framing and with the same sidecar.
        """)

    @Argument(help: "Face images, or one folder of them.") var inputs: [String]
    @Option(name: .shortAndLong, help: "Output image (one input) or folder.") var output: String
    @Option(help: "Folder with ipc/unet/mask .safetensors (default: the project's Models/).") var weights: String?
    @OptionGroup var sampling: SamplerOptions
    @OptionGroup var mode: GuidanceOptions
    @OptionGroup var alignment: AlignmentOption
    @Option(name: .customLong("save-steps"), help: "Also save ŷ0 every N steps.") var saveSteps: Int?
    @Flag(name: .customLong("save-masks"), help: "Also save M′ and M as PNG.") var saveMasks = false
    @Flag(name: .customLong("ipc-only"), help: "Write g(x), the IPC's output, without the diffusion (needs only ipc.safetensors).") var ipcOnly = false

    func validate() throws {
        if let saveSteps, saveSteps < 1 { throw ValidationError("--save-steps must be ≥ 1") }
        if ipcOnly && (saveSteps != nil || saveMasks) { throw ValidationError("--ipc-only runs no diffusion: --save-steps and --save-masks do not apply") }
    }

    func run() throws {
        let files = try ImageFile.paths(in: inputs)
        if files.isEmpty { throw ValidationError("no .png or .jpg images in \(inputs.joined(separator: ", "))") }
        let singleFile = try OutputPath.prepare(output, oneImage: files.count == 1) == .file(output)

        EngineRuntime.prepare()
        let restorer = try FaceRestorer.load(from: weights, conditionerOnly: ipcOnly)
        var job = RestoreJob()
        job.alignment = alignment.align
        job.saveEvery = saveSteps
        job.saveMasks = saveMasks
        job.settings = mode.settings(sampling)
        if let file = sampling.maskFile, case .pipeline(let p) = restorer { job.userMask = (try UserMask.load(file, resolution: p.resolution), file) }

        let stepsPerImage = ipcOnly ? 1 : job.settings.plan(scheduleSteps: 1000).count
        let progress = ProgressBar(total: files.count * stepsPerImage, label: "restore")
        var failures = 0
        for file in files {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            let target = singleFile ? output : output + "/" + replacingExtension(name, with: "png")
            do {
                let record = try job.run(restorer, input: file, output: target) { state in
                    progress.advance(note: state.identityLoss.map { "L_arc \(String(format: "%.4f", $0))" } ?? "")
                }
                if ipcOnly {
                    progress.advance()
                    print("\(record.output): g(x) in \(String(format: "%.2f", record.seconds)) s; identity cosine to the input \(String(format: "%.3f", record.inputIdentityToConditioner))")
                    continue
                }
                // Both cosines are to g(x), the identity the guidance aims at; the degraded input is a
                // smoothed copy of the same face, so it often sits closer to g(x) than detailed output does.
                print("\(record.output): \(record.steps) steps in \(String(format: "%.1f", record.seconds)) s; identity cosine to g(x): restored \(String(format: "%.3f", record.identityToConditioner)), degraded input \(String(format: "%.3f", record.inputIdentityToConditioner))")
            } catch {
                if files.count == 1 { throw error }
                failures += 1
                writeStandardError("skipped \(error)\n")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
