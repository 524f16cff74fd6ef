import ArgumentParser
import FaceID
import Restoration

struct ParityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity-reference",
        abstract: "Write dnr's outputs on fixed inputs, for the PyTorch mirror's parity tests (python/tests).",
        discussion: "The IPC (output and features), the UNet at t = 1, 400 and 999, the mask branch (the folder's and a seeded sub-branch), and the recognizer's descriptors and input gradient, as one f32 safetensors file.")

    @Option(help: "Folder with ipc/unet/mask .safetensors.") var weights = "Models"
    @Option(name: .shortAndLong, help: "The safetensors file to write.") var output: String

    func run() throws {
        try MirrorReference.write(models: weights, recognizer: try FaceRecognizer.loadDefault(), to: output)
        print("\(output): reference outputs of \(weights)")
    }
}
