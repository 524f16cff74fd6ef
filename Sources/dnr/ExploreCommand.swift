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
        discussion: "With no image, opens the shipped synthetic sample with its ground truth. Press ? inside for the keys.")

    enum GraphicsChoice: String, ExpressibleByArgument { case auto, sixel, blocks, ascii }

    @Argument(help: "A degraded face (default: Samples/synthetic/astronaut_lq64.png).") var image: String?
    @Option(help: "The ground truth of IMAGE, when known.") var gt: String?
    @Option(help: "auto, sixel, blocks or ascii.") var graphics: GraphicsChoice = .auto
    @Option(help: "Folder with the trained networks (default: the project's Models/).") var weights: String?
    @Option(name: .customLong("tprime"), help: "T′.") var startStep = 400
    @Option(help: "Steps K (respaced DDPM); default every step.") var steps: Int?
    @Option(help: "Guidance strength s.") var scale: Float = 1
    @Option(help: "δ of M′.") var delta: Float = 0.3
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Where snapshots go.") var snapshots = "dnr-snapshots"

    func run() throws {
        guard isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1 else {
            throw ValidationError("dnr explore needs an interactive terminal; to restore files without one, use dnr restore")
        }
        EngineRuntime.prepare()
        let pipeline = try RestorationPipeline.load(from: weights)
        let samples = ModelLocator.candidateFolders().map { String($0.dropLast("Models".count)) + "Samples" }.first { pathKind($0) == .folder } ?? "Samples"
        let input = image ?? samples + "/synthetic/astronaut_lq64.png"
        let truthPath = gt ?? (image == nil ? samples + "/astronaut_chip128.png" : nil)
        var settings = SamplerSettings()
        settings.startStep = startStep
        settings.steps = steps
        settings.scale = scale
        settings.delta = delta
        settings.seed = seed
        let session = ExplorerSession(pipeline: pipeline, degraded: try ImageFile.read(input),
                                      truth: try truthPath.map { try ImageFile.read($0) }, settings: settings)
        let mode: TerminalCapabilities.Graphics
        switch graphics {
        case .auto: mode = TerminalQuery.capabilities().bestGraphics(colors: 256)
        case .sixel: mode = .sixel
        case .blocks: mode = .blocks
        case .ascii: mode = .ascii
        }
        let app = ExplorerApp(session: session, graphics: mode, title: input, snapshotFolder: snapshots)
        app.run(screen: TerminalScreen())
    }
}
