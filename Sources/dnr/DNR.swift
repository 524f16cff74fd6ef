import ArgumentParser
import Tensors

@main
struct DNR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dnr",
        abstract: "Diffuse and Restore: region-adaptive diffusion for identity-preserving blind face restoration.",
        subcommands: [ExploreCommand.self, DegradeCommand.self, EmbedCommand.self, IdentityCommand.self, VerifyCommand.self, RestoreCommand.self, TrainCommand.self, EvalCommand.self, MasksCommand.self, FacesCommand.self, BenchCommand.self, ParityCommand.self]
    )

    static func main() {
        EngineRuntime.applyLibraryEnvironment()
        main(nil)
    }
}
