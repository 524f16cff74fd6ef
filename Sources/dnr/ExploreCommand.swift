import ArgumentParser
import Explorer
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
        half-blocks, else as ASCII. b paints the guidance mask (keys or the mouse; w saves it for --mask), M switches \
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
    @OptionGroup var alignment: AlignmentOption
    @Option(help: "Where snapshots go.") var snapshots = "dnr-snapshots"

    func run() throws {
        let colours = try Theme.load(theme, folders: [ModelLocator.projectFolder("Themes") ?? "Themes"])
        let samples = try chosenSamples()
        guard isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1 else {
            throw ValidationError("dnr explore needs an interactive terminal; to restore files without one, use dnr restore")
        }
        EngineRuntime.prepare()
        let pipeline = try RestorationPipeline.load(from: weights)
        var display = ExplorerDisplay(graphics: .ascii, theme: colours)
        let capabilities = TerminalQuery.capabilities()
        display.cellWidth = capabilities.cellWidth ?? 10
        display.cellHeight = capabilities.cellHeight ?? 20
        display.graphics = TerminalCapabilities.Graphics(rawValue: graphics.rawValue) ?? capabilities.bestGraphics(colors: 256)
        let userMask = try sampling.maskFile.map { try UserMask.load($0, resolution: pipeline.resolution) }
        let app = try ExplorerApp(pipeline: pipeline, samples: samples, settings: mode.settings(sampling), display: display,
                                  snapshotFolder: snapshots, userMask: userMask)
        app.latencyLog = ProcessInfo.processInfo.environment["DNR_EXPLORER_LATENCY_LOG"]
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
            return [ExplorerSample(path: images[0], truthPath: gt, alignment: alignment.align)]
        }
        if let gt, pathKind(gt) != .folder { throw ImageError.notFound(path: gt) }
        let samples = try ExplorerSample.collect(images, truthFolder: gt, alignment: alignment.align)
        if samples.isEmpty { throw ValidationError("no .png or .jpg images in \(images.joined(separator: ", "))") }
        return samples
    }
}
