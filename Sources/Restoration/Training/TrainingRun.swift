import FileIO
import Foundation
import Imaging
import Tensors

public struct TrainingOptions: Sendable {
    public var steps = 10_000
    public var batch = 16
    public var seed: UInt64 = 0
    public var checkpointEvery = 50
    public var sampleEvery = 250
    /// Where checkpoints, the CSV log and sample grids go (outside the work tree).
    public var cacheFolder: String
    /// Where the finished weights are exported (the project's Models/ by default).
    public var exportPath: String
    public var command = ""
    public var dataDescription = ""
    /// The exported weights a run started from instead of random ones (for the model card).
    public var startedFrom: String?
    /// For a mask sub-branch: the sha256 of the IPC file it reads (for the model card; `ModelCard.ipcSHA256`).
    public var ipcSHA256: String?

    public init(cacheFolder: String, exportPath: String) {
        self.cacheFolder = cacheFolder
        self.exportPath = exportPath
    }
}

/// The training loop: batches, steps, a CSV log, sample grids and atomic checkpoints from which a
/// run resumes exactly (weights, optimiser moments, EMA, random state, step, elapsed time).
public final class TrainingRun {
    public let task: TrainingTask
    public var data: TrainingData
    public let options: TrainingOptions
    public private(set) var step = 0
    var generator: SeededGenerator
    var elapsed = 0.0
    var bestLoss = Float.infinity
    var recentLosses: [Float] = []
    /// The command that started the run (kept across resumes, for the model card).
    var firstCommand: String?
    /// What the run started from, when not from random weights (kept across resumes, for the model card).
    var startedFrom: String?

    public init(task: TrainingTask, data: TrainingData, options: TrainingOptions) {
        self.task = task
        self.data = data
        self.options = options
        startedFrom = options.startedFrom
        generator = SeededGenerator(seed: options.seed)
    }

    var checkpointPath: String { options.cacheFolder + "/checkpoint.safetensors" }
    var logPath: String { options.cacheFolder + "/log.csv" }
    var validationPath: String { options.cacheFolder + "/validation.csv" }

    /// The same 16 training pairs (drawn with a fixed seed) for every validation of every run.
    lazy var validationBatch: TrainingBatch = {
        var generator = SeededGenerator(seed: 777)
        var copy = data
        return copy.batch(16, generator: &generator)
    }()

    /// The last validation and the step it was made at (the export reuses it when nothing trained since).
    var lastValidation: (step: Int, losses: [(name: String, value: Float)])?

    /// Appends the task's validation losses to validation.csv as `step,name=value;…`.
    func validate() throws {
        let losses = task.validate(validationBatch)
        lastValidation = (step, losses)
        if !losses.isEmpty {
            try appendLine("\(step)," + losses.map { "\($0.name)=\($0.value)" }.joined(separator: ";") + "\n", to: validationPath)
        }
    }

    /// Continues from the checkpoint in the cache folder; false when there is none.
    /// The network configuration (JSON) of the checkpoint in `cacheFolder`, if there is one: a
    /// resumed run rebuilds the network it holds, whatever the defaults are now.
    public static func checkpointConfiguration(in cacheFolder: String) -> String? {
        (try? Safetensors.read(cacheFolder + "/checkpoint.safetensors"))?.metadata["config"]
    }

    /// The learning rate the checkpoint in `cacheFolder` was trained with (absent in older checkpoints):
    /// a resumed run keeps it unless told otherwise.
    public static func checkpointLearningRate(in cacheFolder: String) -> Float? {
        (try? Safetensors.read(cacheFolder + "/checkpoint.safetensors"))?.metadata["learning_rate"].flatMap(Float.init)
    }

    public func resume() throws -> Bool {
        guard pathKind(checkpointPath) == .file else { return false }
        let archive = try Safetensors.read(checkpointPath)
        guard archive.metadata["kind"] == task.kind else {
            throw TrainingRunError.mismatch("\(checkpointPath) holds a \(archive.metadata["kind"] ?? "?") run, not \(task.kind)")
        }
        guard let saved = archive.metadata["config"], task.hasConfiguration(saved) else {
            throw TrainingRunError.mismatch("\(checkpointPath) was made with another network configuration")
        }
        try task.module.load(from: archive, prefix: "model.")
        let shapes = task.module.parameters.map(\.shape)
        let names = task.module.namedParameters.map(\.name)
        let m = try zip(names, shapes).map { try archive.tensor("adam.m." + $0.0, shape: $0.1) }
        let v = try zip(names, shapes).map { try archive.tensor("adam.v." + $0.0, shape: $0.1) }
        task.optimizer.restore(step: Int(archive.metadata["adam_step"] ?? "0") ?? 0, firstMoments: m, secondMoments: v)
        if let average = task.average {
            if archive.tensors.keys.contains(where: { $0.hasPrefix("ema.") }) {
                average.restore(shadow: try zip(names, shapes).map { try archive.tensor("ema." + $0.0, shape: $0.1) },
                                updates: Int(archive.metadata["ema_updates"] ?? archive.metadata["step"] ?? "0") ?? 0)
            } else {
                // A checkpoint from before this network kept an average: the average starts here.
                average.restore(shadow: task.module.parameters.map(\.value), updates: 0)
            }
        }
        step = Int(archive.metadata["step"] ?? "0") ?? 0
        firstCommand = archive.metadata["command"]
        startedFrom = archive.metadata["started_from"]
        // Steps logged after the checkpoint are run again: drop their lines. The last 100 logged losses
        // up to the checkpoint are kept, so the card's final loss spans the resume.
        try dropLines(after: step, in: validationPath)
        if let kept = try dropLines(after: step, in: logPath) {
            recentLosses = Array(kept.dropFirst().compactMap { line -> Float? in
                let fields = line.split(separator: ",", maxSplits: 2)
                guard fields.count == 3, let term = fields[2].split(separator: ";").first else { return nil }
                return term.split(separator: "=").last.flatMap { Float($0) }
            }.suffix(100))
        }
        elapsed = Double(archive.metadata["elapsed"] ?? "0") ?? 0
        bestLoss = Float(archive.metadata["best_loss"] ?? "inf") ?? .infinity
        let state = (archive.metadata["rng"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        guard state.count == 4 else { throw TrainingRunError.mismatch("\(checkpointPath) has no random state") }
        generator = SeededGenerator(state: (state[0], state[1], state[2], state[3]))
        return true
    }

    public func saveCheckpoint() throws {
        let names = task.module.namedParameters.map(\.name)
        var tensors = task.module.parameterTensors.map { ("model." + $0.name, $0.tensor) }
        tensors += zip(names, task.optimizer.firstMoments).map { ("adam.m." + $0.0, $0.1) }
        tensors += zip(names, task.optimizer.secondMoments).map { ("adam.v." + $0.0, $0.1) }
        if let average = task.average { tensors += zip(names, average.shadow).map { ("ema." + $0.0, $0.1) } }
        let s = generator.state
        var metadata = [
            "kind": task.kind, "config": task.configurationJSON, "step": String(step), "adam_step": String(task.optimizer.step),
            "elapsed": String(elapsed), "best_loss": String(bestLoss), "rng": "\(s.0),\(s.1),\(s.2),\(s.3)",
            "ema_updates": String(task.average?.updates ?? 0), "command": firstCommand ?? options.command,
            "learning_rate": String(task.optimizer.learningRate),
        ]
        metadata["started_from"] = startedFrom
        try Safetensors.write(tensors, metadata: metadata, to: checkpointPath)
    }

    /// Trains until `options.steps`, calling `progress` after every step.
    public func run(progress: (_ step: Int, _ losses: [(name: String, value: Float)], _ secondsPerStep: Double) -> Void) throws {
        try Folder.create(options.cacheFolder + "/samples")
        if pathKind(logPath) != .file { try appendLine("step,seconds,loss_terms\n", to: logPath) }
        if pathKind(validationPath) != .file { try appendLine("step,losses_on_a_fixed_batch\n", to: validationPath) }
        var sampleGenerator = SeededGenerator(seed: 12_345)
        var sampleData = data
        let sampleBatch = sampleData.batch(4, generator: &sampleGenerator)
        while step < options.steps {
            let start = Date()
            let batch = data.batch(options.batch, generator: &generator)
            let losses = task.trainStep(batch, generator: &generator)
            let seconds = Date().timeIntervalSince(start)
            elapsed += seconds
            step += 1
            recentLosses.append(losses[0].value)
            if recentLosses.count > 100 { recentLosses.removeFirst() }
            let smoothed = recentLosses.reduce(0, +) / Float(recentLosses.count)
            if recentLosses.count >= 20 { bestLoss = min(bestLoss, smoothed) }
            try appendLine("\(step),\(String(format: "%.3f", seconds)),\(losses.map { "\($0.name)=\($0.value)" }.joined(separator: ";"))\n", to: logPath)
            progress(step, losses, seconds)
            if step % options.sampleEvery == 0 || step == options.steps {
                let grid = RGBImage.grid(task.sampleRows(sampleBatch))
                try ImageFile.write(grid, to: options.cacheFolder + "/samples/step\(String(format: "%07d", step)).png")
                try validate()
            }
            if step % options.checkpointEvery == 0 || step == options.steps { try saveCheckpoint() }
        }
    }

    /// Writes the trained weights (the EMA where there is one) as fp16 safetensors, with a model card.
    public func export() throws {
        let validation = lastValidation.flatMap { $0.step == step ? $0.losses : nil } ?? task.validate(validationBatch)
        let module = task.module
        let config = task.configurationJSON
        let write = { try Safetensors.write(module.parameterTensors, dtype: .f16, metadata: ["config": config], to: self.options.exportPath) }
        if let average = task.average { try average.withAverage(in: module.parameters, write) } else { try write() }
        let final = recentLosses.isEmpty ? Float.nan : recentLosses.reduce(0, +) / Float(recentLosses.count)
        let card = ModelCard(
            network: task.kind, weights: (options.exportPath as NSString).lastPathComponent, dtype: "F16",
            configuration: JSONValue(text: config) ?? .string(config), parameters: module.parameterCount, data: options.dataDescription,
            steps: step, batch: options.batch, learningRate: task.optimizer.learningRate,
            finalLossMeanLast100: final.isFinite ? Double(final) : nil, bestLossMean100: bestLoss.isFinite ? Double(bestLoss) : nil,
            wallSeconds: Int(elapsed), ema: task.average != nil,
            validationOnFixedBatch: Dictionary(validation.map { ($0.name, Double($0.value)) }, uniquingKeysWith: { a, _ in a }),
            command: firstCommand ?? options.command, lastCommand: options.command, startedFrom: startedFrom,
            date: ISO8601DateFormatter().string(from: Date()), ipcSHA256: options.ipcSHA256)
        try card.write(to: ModelCard.path(besideWeights: options.exportPath))
    }

    /// Removes the lines of a `step,…` CSV logged after `step`; the lines kept, header first.
    @discardableResult
    private func dropLines(after step: Int, in path: String) throws -> [Substring]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        let kept = Array(lines.prefix(1) + lines.dropFirst().filter { line in Int(line.prefix { $0 != "," }).map { $0 <= step } ?? false })
        if kept.count != lines.count { try AtomicFile.write(Array((kept.joined(separator: "\n") + "\n").utf8), to: path) }
        return kept
    }

    private func appendLine(_ line: String, to path: String) throws {
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            handle.closeFile()
        } else {
            try Data(line.utf8).write(to: URL(fileURLWithPath: path))
        }
    }
}

public enum TrainingRunError: Error, CustomStringConvertible {
    case mismatch(String)
    public var description: String {
        switch self { case .mismatch(let text): text }
    }
}
