import ArgumentParser
import CommandLineSupport
import Explorer
import FaceFinding
import FileIO
import Foundation
import Imaging
import Restoration
import Tensors

#if canImport(Glibc)
import Glibc
#endif

struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Watch restoration happen: an interactive terminal window into guided reverse diffusion.",
        discussion: """
        With no image, opens the shipped samples: the two synthetic astronauts with their ground truth, then the real \
        low-quality faces. [ and ] switch between samples; press ? inside for every key. Images are drawn as sixel \
        graphics when the terminal answers that it can (xterm -ti vt340, mlterm, foot, WezTerm, …), else as coloured \
        half-blocks, else as ASCII. A photo (any non-square image, or --align photo) has its faces found first; each \
        face is a sample, and a snapshot (s) also writes the whole photo with the faces restored so far. b paints the guidance mask (keys or the mouse; w saves it for --mask), M switches \
        between the learned mask, M′, the fixed facial regions and yours, c compares off / uniform / masked guidance.
        """)

    enum GraphicsChoice: String, ExpressibleByArgument { case auto, sixel, blocks, ascii }

    @Argument(help: "Degraded faces, or folders of them (default: the shipped samples).") var images: [String] = []
    @Option(help: "Ground truth: a file (for one image) or a folder holding files of the same names.") var gt: String?
    @Option(help: "Colour theme: a name in Themes/ (dark, light, high-contrast) or a .theme file.") var theme = "dark"
    @Option(help: "auto, sixel, blocks or ascii.") var graphics: GraphicsChoice = .auto
    @Option(help: "Folder with the trained networks (default: the project's Models/).") var weights: String?
    @OptionGroup var sampling: SamplerOptions
    @OptionGroup var mode: GuidanceOptions
    @OptionGroup var framing: FramingOptions
    @Option(help: "Where snapshots go.") var snapshots = "dnr-snapshots"

    func run() throws {
        let colours = try Theme.load(theme, folders: [ModelLocator.projectFolder("Themes") ?? "Themes"])
        EngineRuntime.prepare()
        let samples = try chosenSamples()
        guard isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1 else {
            throw ValidationError("dnr explore needs an interactive terminal; to restore files without one, use dnr restore")
        }
        EngineRuntime.prepare()
        let pipeline = try RestorationPipeline.load(from: weights)
        let notes = pipeline.notes
        var display = ExplorerDisplay(graphics: .ascii, theme: colours)
        let capabilities = TerminalQuery.capabilities()
        display.cellWidth = capabilities.cellWidth ?? 10
        display.cellHeight = capabilities.cellHeight ?? 20
        display.graphics = TerminalCapabilities.Graphics(rawValue: graphics.rawValue) ?? capabilities.bestGraphics(colors: 256)
        let userMask = try sampling.maskFile.map { try UserMask.load($0, resolution: pipeline.resolution) }
        let app = try ExplorerApp(pipeline: pipeline, samples: samples, settings: mode.settings(sampling), display: display,
                                  snapshotFolder: snapshots, userMask: userMask)
        app.latencyLog = ProcessInfo.processInfo.environment["DNR_EXPLORER_LATENCY_LOG"]
        app.notice = notes.first  // shown until the first key
        try app.run(screen: TerminalScreen())
    }

    func chosenSamples() throws -> [ExplorerSample] {
        if images.isEmpty {
            guard let folder = ModelLocator.projectFolder("Samples") else {
                throw ValidationError("no images given and no shipped Samples/ folder found; pass a degraded face")
            }
            let truth = folder + "/astronaut_chip128.png"
            let synthetic = ["astronaut_lq64.png", "astronaut_lq64_x4.png"].map { ExplorerSample(path: folder + "/synthetic/" + $0, truthPath: truth) }
            let real = try ExplorerSample.collect([folder + "/real-lq-ffhq512"], truthFolder: nil, alignment: .ffhq512)
            return synthetic + real
        }
        if let gt, pathKind(gt) == .file {
            guard images.count == 1, pathKind(images[0]) == .file else {
                throw ValidationError("--gt names one file, so give one image; for several, pass a folder of ground truths")
            }
            guard let alignment = framing.align.resolved(for: try ImageFile.read(images[0])).alignment else {
                throw ValidationError("--gt goes with an aligned face, not a photo; pass --align chip or ffhq512")
            }
            return [ExplorerSample(path: images[0], truthPath: gt, alignment: alignment)]
        }
        if let gt, pathKind(gt) != .folder { throw ImageError.notFound(path: gt) }
        var finder: FaceFinder? = nil
        var samples: [ExplorerSample] = []
        for sample in try ExplorerSample.collect(images, truthFolder: gt) {
            let image = try ImageFile.read(sample.path)
            if let alignment = framing.align.resolved(for: image).alignment {
                samples.append(ExplorerSample(path: sample.path, truthPath: sample.truthPath, alignment: alignment))
                continue
            }
            if finder == nil { finder = try FaceFinder.loadDefault() }
            writeStandardError("finding faces in \(sample.path)…\n")
            let faces = finder!.find(in: image, upsample: framing.detection.upsample)
            if faces.isEmpty { writeStandardError("\(sample.path): no faces found\(framing.detection.upsample < 2 ? " (smaller faces: --upsample \(framing.detection.upsample + 1))" : "")\n") }
            samples += faces.enumerated().map { k, face in
                ExplorerSample(path: sample.path, face: ExplorerSample.PhotoFace(found: face, index: k, count: faces.count))
            }
        }
        return samples
    }
}
