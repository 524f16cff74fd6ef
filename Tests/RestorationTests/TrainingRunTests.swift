import Foundation
import Imaging
@testable import Restoration
import Tensors
import TestSupport
import Testing

@Suite(.serialized) struct TrainingRunTests {
    func dataFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "dnr-train-data-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let face = try ImageFile.read(packageRoot + "/Samples/astronaut_chip128.png")
        try ImageFile.write(face, to: folder + "/a.png")
        try ImageFile.write(face.gaussianBlurred(sigma: 1), to: folder + "/b.png")
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: folder + "/c.png"))  // skipped and counted
        return folder
    }

    func makeRun(data: String, cache: String, steps: Int) throws -> TrainingRun {
        let task = ConditionerTask(ConditionerTrainer(network: IdentityPreservingConditioner(ConditionerConfiguration(resolution: 32, width: 8, blocks: 1), seed: 1),
                                                      recognizer: recognizer, learningRate: 1e-3))
        var options = TrainingOptions(cacheFolder: cache, exportPath: cache + "/ipc.safetensors")
        options.steps = steps
        options.batch = 2
        options.checkpointEvery = 2
        options.sampleEvery = 2
        return TrainingRun(task: task, data: try TrainingData(folder: data, resolution: 32), options: options)
    }

    @Test func resumingGivesTheSameWeightsAsRunningThrough() throws {
        let data = try dataFolder()
        let straightCache = NSTemporaryDirectory() + "dnr-train-" + UUID().uuidString
        let cache = NSTemporaryDirectory() + "dnr-train-" + UUID().uuidString
        defer { for folder in [data, straightCache, cache] { try? FileManager.default.removeItem(atPath: folder) } }
        let straight = try makeRun(data: data, cache: straightCache, steps: 4)
        try straight.run { _, _, _ in }

        try makeRun(data: data, cache: cache, steps: 2).run { _, _, _ in }
        // A step logged after the last checkpoint (the run was killed before the next one) is run again.
        let handle = FileHandle(forWritingAtPath: cache + "/log.csv")!
        handle.seekToEndOfFile()
        handle.write(Data("3,1.000,loss=9.0\n".utf8))
        handle.closeFile()
        let resumed = try makeRun(data: data, cache: cache, steps: 4)
        #expect(try resumed.resume())
        #expect(resumed.step == 2)
        #expect(try String(contentsOfFile: cache + "/log.csv", encoding: .utf8).split(separator: "\n").count == 3)
        try resumed.run { _, _, _ in }
        for (a, b) in zip(straight.task.module.parameters, resumed.task.module.parameters) { #expect(a.value == b.value) }

        // The log, the sample grids, the export and its model card are there.
        let log = try String(contentsOfFile: cache + "/log.csv", encoding: .utf8)
        #expect(log.split(separator: "\n").dropFirst().map { $0.prefix { $0 != "," } } == ["1", "2", "3", "4"])
        #expect(FileManager.default.fileExists(atPath: cache + "/samples/step0000004.png"))
        try resumed.export()
        let card = try ModelCard.read(cache + "/ipc.card.json")
        #expect(card.steps == 4 && card.parameters == resumed.task.module.parameterCount && card.network == "ipc")
        #expect(card.configuration == JSONValue(text: resumed.task.configurationJSON))
        // The final loss spans the resume: the mean of all four logged losses.
        let logged = log.split(separator: "\n").dropFirst().map { Float($0.split(separator: "=")[1].split(separator: ";")[0])! }
        #expect(abs(card.finalLossMeanLast100! - Double(logged.reduce(0, +) / 4)) < 1e-5)
        // Validation on the fixed batch at every sample step; the card's is that of the exported weights.
        let validation = try String(contentsOfFile: cache + "/validation.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(validation.map { $0.prefix { $0 != "," } } == ["2", "4"])
        let lastLoss = Double(validation.last!.split(separator: ",")[1].split(separator: ";")[0].split(separator: "=")[1])!
        let carded = card.validationOnFixedBatch!
        #expect(Set(carded.keys) == ["loss", "l1", "identity", "ema_loss", "ema_l1", "ema_identity"] && abs(carded["loss"]! - lastLoss) < 1e-6)
        let exported = try ModelStore.loadConditioner(from: cache)
        #expect(exported.configuration == ConditionerConfiguration(resolution: 32, width: 8, blocks: 1))
    }

    /// A checkpoint written before the IPC kept an average (no ema.* tensors) resumes, and the average
    /// starts from the weights it holds.
    @Test func aCheckpointWithoutAnAverageResumes() throws {
        let data = try dataFolder(), cache = NSTemporaryDirectory() + "dnr-train-" + UUID().uuidString
        defer { for folder in [data, cache] { try? FileManager.default.removeItem(atPath: folder) } }
        try makeRun(data: data, cache: cache, steps: 2).run { _, _, _ in }
        let archive = try Safetensors.read(cache + "/checkpoint.safetensors")
        let kept = archive.tensors.filter { !$0.key.hasPrefix("ema.") }.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) }
        #expect(kept.count < archive.tensors.count)
        try Safetensors.write(kept, metadata: archive.metadata, to: cache + "/checkpoint.safetensors")
        let resumed = try makeRun(data: data, cache: cache, steps: 3)
        #expect(try resumed.resume() && resumed.step == 2)
        let average = try #require(resumed.task.average)
        #expect(average.updates == 0 && zip(average.shadow, resumed.task.module.parameters).allSatisfy { $0 == $1.value })
    }

    @Test func emptyDataFolderIsAClearError() throws {
        let folder = NSTemporaryDirectory() + "dnr-empty-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: TrainingDataError.self) { try TrainingData(folder: folder, resolution: 32) }
    }

    /// The committed cards (written before the card had a type) read as `ModelCard`, and write back the same.
    @Test func committedModelCardsDecode() throws {
        for name in ["ipc", "unet", "mask"] {
            let path = packageRoot + "/Models/\(name).card.json"
            let card = try ModelCard.read(path)
            #expect(card.weights == "\(name).safetensors" && card.steps > 0 && !card.data.hasPrefix("/"))
            let copy = NSTemporaryDirectory() + "card-\(getpid())-\(name).json"
            defer { try? FileManager.default.removeItem(atPath: copy) }
            try card.write(to: copy)
            #expect(try ModelCard.read(copy) == card)
        }
    }
}
