import FileIO
import Foundation
import Restoration
import Tensors
import TestSupport
import Testing

@Suite struct TrainCommandTests {
    /// With --from-models and a zero learning rate, the exported denoiser is the one it started from, and
    /// its card says so.
    @Test func startsFromTheExportedWeights() throws {
        let weights = try tinyWeights(), data = try EvalCommandTests().faces(), cache = try scratchFolder() + "/cache"
        let original = try ModelStore.loadUNet(from: weights).parameterTensors
        let originalLine = try #require(ModelFingerprint.list(in: weights).first { $0.file == ModelStore.unetFile }).line
        let arguments = ["train", "diffusion", "--data", data, "--split", "dev", "--models", weights, "--steps", "1", "--batch", "2",
                         "--lr", "0", "--cache", cache, "--sample-every", "1"]
        let result = try runDNR(arguments + ["--from-models"])
        #expect(result.status == 0, "\(result.standardError)")
        let trained = try ModelStore.loadUNet(from: weights).parameterTensors
        #expect(trained.count == original.count)
        for (a, b) in zip(original, trained) {
            #expect(a.0 == b.0 && zip(a.1.scalars, b.1.scalars).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(a.0)")
        }
        let card = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: weights + "/unet.card.json"))) as? [String: Any]
        #expect(card?["started_from"] as? String == originalLine)
        // No machine paths in the card: the command and the data are relative.
        for key in ["command", "data"] { #expect(!((card?[key] as? String) ?? "/").contains(" /") && !((card?[key] as? String) ?? "/").hasPrefix("/"), "\(key)") }
        #expect(try runDNR(arguments + ["--from-models", "--resume"]).standardError.contains("choose one"))
    }

    /// A mask sub-branch's card names the IPC it was trained reading (its features move when the IPC is retrained);
    /// with another IPC beside it, dnr restore says so.
    @Test func aMaskCardNamesItsIPCAndAnotherIPCIsNoted() throws {
        let weights = try tinyWeights(), data = try EvalCommandTests().faces(), cache = try scratchFolder() + "/cache", out = try scratchFolder()
        let trained = try runDNR(["train", "mask", "--data", data, "--split", "dev", "--models", weights, "--steps", "1", "--batch", "2",
                                  "--cache", cache, "--sample-every", "100"])
        #expect(trained.status == 0, "\(trained.standardError)")
        let card = try ModelCard.read(weights + "/mask.card.json")
        #expect(card.ipcSHA256 == Checksum.sha256(try AtomicFile.read(weights + "/" + ModelStore.conditionerFile)))
        #expect(ModelStore.maskPairingNote(in: weights) == nil)
        let restore = ["restore", packageRoot + "/Samples/synthetic/astronaut_lq64.png", "-o", out + "/r.png", "--weights", weights,
                       "--tprime", "20", "--steps", "2"]
        let paired = try runDNR(restore)
        #expect(paired.status == 0 && !paired.standardError.contains("rebase"), "\(paired.standardError)")

        let ipc = ConditionerConfiguration(resolution: 32, width: 8, blocks: 1)  // another IPC of the same shape
        try ModelStore.save(IdentityPreservingConditioner(ipc, seed: 9), configuration: ipc, to: weights + "/" + ModelStore.conditionerFile)
        let note = try #require(ModelStore.maskPairingNote(in: weights))
        #expect(note.contains(String(try #require(card.ipcSHA256).prefix(16))) && note.contains("rebase"))
        let unpaired = try runDNR(restore)
        #expect(unpaired.status == 0 && unpaired.standardError.contains(note), "\(unpaired.standardError)")
    }

    /// A resumed run keeps the learning rate it was started with unless --lr says otherwise.
    @Test func aResumedRunKeepsItsLearningRate() throws {
        let weights = try tinyWeights(), data = try EvalCommandTests().faces(), cache = try scratchFolder() + "/cache"
        let base = ["train", "diffusion", "--data", data, "--split", "dev", "--models", weights, "--batch", "2", "--cache", cache, "--sample-every", "100"]
        #expect(try runDNR(base + ["--steps", "1", "--from-models", "--lr", "0.0005"]).status == 0)
        let resumed = try runDNR(base + ["--steps", "2", "--resume"])
        #expect(resumed.status == 0 && resumed.standardOutput.contains("learning rate 0.0005"), "\(resumed.standardOutput)")
        let overridden = try runDNR(base + ["--steps", "3", "--resume", "--lr", "0.0001"])
        #expect(overridden.standardOutput.contains("learning rate 0.0001"))
    }

    /// Training killed with SIGKILL at random moments (a checkpoint every step, so some kills land
    /// while one is written) and resumed each time ends with the weights of a run never killed, and
    /// the checkpoint it leaves is always readable. (The tiny denoiser of `tinyWeights`: a resumed
    /// run rebuilds the network its checkpoint holds.)
    @Test func killedAndResumedTrainingEndsWhereAnUninterruptedRunDoes() throws {
        let data = try EvalCommandTests().faces(), source = try tinyWeights()
        func models() throws -> String {
            let folder = try scratchFolder()
            for file in try FileManager.default.contentsOfDirectory(atPath: source) {
                try FileManager.default.copyItem(atPath: source + "/" + file, toPath: folder + "/" + file)
            }
            return folder
        }
        func arguments(_ models: String, _ cache: String) -> [String] {
            ["train", "diffusion", "--data", data, "--split", "dev", "--models", models, "--steps", "6", "--batch", "2",
             "--checkpoint-every", "1", "--sample-every", "100", "--cache", cache]
        }
        let straightModels = try models(), straightCache = try scratchFolder() + "/cache"
        let straight = try runDNR(arguments(straightModels, straightCache) + ["--from-models"])
        #expect(straight.status == 0, "\(straight.standardError)")

        let killedModels = try models(), killedCache = try scratchFolder() + "/cache"
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        while kills < 6 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: dnrExecutable())
            // Killed before its first checkpoint, a run starts again as it first did.
            let started = FileManager.default.fileExists(atPath: killedCache + "/checkpoint.safetensors")
            process.arguments = arguments(killedModels, killedCache) + [started ? "--resume" : "--from-models"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 200_000...1_000_000, using: &generator))
            guard process.isRunning else { break }  // finished before this kill
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills += 1
            if FileManager.default.fileExists(atPath: killedCache + "/checkpoint.safetensors") {
                #expect(throws: Never.self) { try Safetensors.read(killedCache + "/checkpoint.safetensors") }
            }
        }
        let started = FileManager.default.fileExists(atPath: killedCache + "/checkpoint.safetensors")
        let last = try runDNR(arguments(killedModels, killedCache) + [started ? "--resume" : "--from-models"])
        #expect(last.status == 0, "\(last.standardError)")
        let a = try Safetensors.read(straightModels + "/" + ModelStore.unetFile), b = try Safetensors.read(killedModels + "/" + ModelStore.unetFile)
        #expect(Set(a.tensors.keys) == Set(b.tensors.keys))
        for (name, tensor) in a.tensors { #expect(tensor == b.tensors[name], "\(name) differs after \(kills) kills") }
    }
}
