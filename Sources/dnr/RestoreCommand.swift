import ArgumentParser
import CommandLineSupport
import FaceFinding
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
        Inputs are photos or aligned faces. A photo (--align photo; the default for a non-square image) has its faces \
        found (dlib's detector and 5-point landmarks), each cut as the training faces were cut, restored, and its \
        change pasted back, fading out over a circle inside the chip; every pixel away from the faces is unchanged, the output keeps the \
        photo's size. Faces whose chip is larger than --max-face photo pixels are left as they are (a 64 px model \
        would first have to shrink them), and the sidecar says so; --upsample finds smaller faces. A photo without \
        faces is reported and no output is written (exit status 0 when other inputs were restored, 1 when none were). \
        Aligned faces: dlib chips of any size (--align chip, the default for a square image, resized to the model's \
        resolution) or FFHQ-aligned faces (--align ffhq512, the chip box is cut out and the result pasted back). \
        Each output gets a JSON sidecar with the settings, timings and identity scores (per face for a photo). \
        --ipc-only writes the IPC's output g(x) alone (no diffusion): the fast, fidelity-first answer, in the same \
        framing and with the same sidecar.
        """)

    @Argument(help: "Photos or face images, or one folder of them.") var inputs: [String]
    @Option(name: .shortAndLong, help: "Output image (one input) or folder.") var output: String
    @Option(help: "Folder with ipc/unet/mask .safetensors (default: the project's Models/).") var weights: String?
    @OptionGroup var sampling: SamplerOptions
    @OptionGroup var mode: GuidanceOptions
    @OptionGroup var framing: FramingOptions
    @OptionGroup var photoFaces: PhotoFaceOptions
    @Option(name: .customLong("save-steps"), help: "Also save ŷ0 every N steps.") var saveSteps: Int?
    @Flag(name: .customLong("save-masks"), help: "Also save M′ and M as PNG.") var saveMasks = false
    @Flag(name: .customLong("ipc-only"), help: "Write g(x), the IPC's output, without the diffusion (needs only ipc.safetensors).") var ipcOnly = false

    func validate() throws {
        if let saveSteps, saveSteps < 1 { throw ValidationError("--save-steps must be ≥ 1") }
        if ipcOnly && (saveSteps != nil || saveMasks) { throw ValidationError("--ipc-only runs no diffusion: --save-steps and --save-masks do not apply") }
        if let maxFace = photoFaces.maxFace, maxFace < 1 { throw ValidationError("--max-face must be at least 1 px") }
    }

    func run() throws {
        let files = try ImageFile.paths(in: inputs)
        if files.isEmpty { throw ValidationError("no .png or .jpg images in \(inputs.joined(separator: ", "))") }
        let singleFile = try OutputPath.prepare(output, oneImage: files.count == 1) == .file(output)

        EngineRuntime.prepare()
        let restorer = try FaceRestorer.load(from: weights, conditionerOnly: ipcOnly)
        restorer.notes.forEach { writeStandardError($0 + "\n") }
        var job = RestoreJob()
        job.saveEvery = saveSteps
        job.saveMasks = saveMasks
        job.settings = mode.settings(sampling)
        if let file = sampling.maskFile, case .pipeline(let p) = restorer { job.userMask = (try UserMask.load(file, resolution: p.resolution), file) }
        var photoJob = PhotoRestoreJob()
        photoJob.chipJob = job
        photoJob.upsample = framing.detection.upsample
        photoJob.maximumFaceSide = photoFaces.maxFace ?? 3 * restorer.resolution
        photoJob.saveFaces = photoFaces.saveFaces
        var finder: FaceFinder? = nil

        let stepsPerImage = ipcOnly ? 1 : job.settings.plan(scheduleSteps: 1000).count
        var failures = 0, restored = 0
        for file in files {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            var target = singleFile ? output : output + "/" + replacingExtension(name, with: "png")
            do {
                let image = try ImageFile.read(file)
                if framing.align.resolved(for: image) == .photo {
                    // A photo keeps its format (a JPEG stays a JPEG) unless the output is named.
                    if !singleFile { target = output + "/" + name }
                    if finder == nil { finder = try FaceFinder.loadDefault() }
                    let upsample = photoJob.effectiveUpsample(for: image)
                    if upsample < photoJob.upsample {
                        writeStandardError("\(file): \(image.width)×\(image.height) is searched with --upsample \(upsample), not \(photoJob.upsample) (at most \(FaceFinder.upsampledPixelLimit / 1_000_000) Mpx after doubling)\n")
                    }
                    let (faces, detection) = photoJob.findFaces(finder!, in: image)
                    let restoring = faces.filter(photoJob.isRestored).count
                    let progress = ProgressBar(total: max(1, restoring * stepsPerImage), label: "restore \(name) (\(restoring) of \(faces.count) faces)")
                    let record = try photoJob.run(restorer, photo: image, faces: faces, detectionMilliseconds: detection, input: file, output: target) { state in
                        progress.advance(note: state.identityLoss.map { "L_arc \(String(format: "%.4f", $0))" } ?? "")
                    }
                    if ipcOnly { progress.advance(by: restoring) }
                    if restoring == 0 { progress.advance() }
                    let skipped = record.faces.count - restoring
                    print("\(target): \(restoring) face\(restoring == 1 ? "" : "s") restored\(skipped > 0 ? ", \(skipped) larger than --max-face \(photoJob.maximumFaceSide) px left as they are" : "") in \(String(format: "%.1f", record.seconds)) s (detection \(String(format: "%.2f", detection / 1000)) s)")
                    restored += 1
                    continue
                }
                job.alignment = framing.align.resolved(for: image).alignment!
                let progress = ProgressBar(total: stepsPerImage, label: "restore \(name)")
                let record = try job.run(restorer, input: file, output: target) { state in
                    progress.advance(note: state.identityLoss.map { "L_arc \(String(format: "%.4f", $0))" } ?? "")
                }
                restored += 1
                if ipcOnly {
                    progress.advance()
                    print("\(record.output): g(x) in \(String(format: "%.2f", record.seconds)) s; identity cosine to the input \(String(format: "%.3f", record.inputIdentityToConditioner))")
                    continue
                }
                // Both cosines are to g(x), the identity the guidance aims at; the degraded input is a
                // smoothed copy of the same face, so it often sits closer to g(x) than detailed output does.
                print("\(record.output): \(record.steps) steps in \(String(format: "%.1f", record.seconds)) s; identity cosine to g(x): restored \(String(format: "%.3f", record.identityToConditioner)), degraded input \(String(format: "%.3f", record.inputIdentityToConditioner))")
            } catch let failure as PhotoRestoreJob.Failure {
                writeStandardError("\(failure)\n")
            } catch {
                if files.count == 1 { throw error }
                failures += 1
                writeStandardError("skipped \(error)\n")
            }
        }
        if failures > 0 || restored == 0 { throw ExitCode(1) }
    }
}

/// How inputs are framed: whole photos (faces found and pasted back) or already aligned faces.
enum InputFraming: String, CaseIterable, ExpressibleByArgument {
    case auto, photo, chip, ffhq512

    /// auto: a square image is taken as an aligned chip (as before photos were accepted), any other as a photo.
    func resolved(for image: RGBImage) -> InputFraming {
        self == .auto ? (image.width == image.height ? .chip : .photo) : self
    }

    var alignment: FaceAlignment? { FaceAlignment(rawValue: rawValue) }
}

struct FramingOptions: ParsableArguments {
    @Option(help: "How inputs are framed: photo (find the faces), chip (a dlib face chip, any square size), ffhq512 (an FFHQ-aligned face), or auto (chip when square, else photo).")
    var align: InputFraming = .auto
    @OptionGroup var detection: DetectionOptions
}

/// What restore does with the faces of a photo.
struct PhotoFaceOptions: ParsableArguments {
    @Option(name: .customLong("max-face"), help: ArgumentHelp("Photos: faces whose chip is larger than PX photo pixels are left as they are (default 3× the model's resolution: 192).", valueName: "PX"))
    var maxFace: Int?
    @Flag(name: .customLong("faces"), help: "Photos: also write each face's chip and restored chip (OUT_faceK_chip.png, OUT_faceK_restored.png).")
    var saveFaces = false
}
