import COpenBLAS
import Foundation
import Restoration
import Tensors

/// Runs the reference conditional UNet in our engine and, when Python with PyTorch is installed,
/// in a PyTorch mirror on the same weights and thread count, and reports the ratios.
public struct EngineBenchmark {
    public var configuration = UNetConfiguration.benchmarkReference
    public var trainingBatch = 16
    public var forwardRuns = 10
    public var trainingRuns = 3
    /// Extra forward-only rounds, ours and PyTorch alternating, so that drift in the machine's speed
    /// (large on a shared virtual machine) falls on both sides; the report gives each round's ratio.
    public var forwardRounds = 0
    public var threads = 2
    public var python = "python3"
    public var torchScript: String
    public var workFolder: String

    public init(torchScript: String, workFolder: String) {
        self.torchScript = torchScript
        self.workFolder = workFolder
    }

    public struct Report: Sendable {
        public var parameters = 0
        public var forwardGFLOP = 0.0
        public var oursForward = 0.0, oursTrain = 0.0, oursPeakMiB = 0.0
        public var torchForward: Double?, torchTrain: Double?, torchPeakMiB: Double?
        public var sgemmGFLOPs = 0.0
        public var outputDifference: Float?
        public var torchNote: String?
        /// Ours ÷ PyTorch, forward batch 1, per interleaved round (the first is the main run's).
        public var forwardRatios: [Double] = []
    }

    public func run(log: (String) -> Void) throws -> Report {
        var report = Report()
        EngineRuntime.prepare(threads: threads)
        report.sgemmGFLOPs = BLASBenchmark.sgemmGFLOPs()
        log("OpenBLAS sgemm 1024³: \(format(report.sgemmGFLOPs)) GFLOP/s; core \(BLASCore.summary)")

        let unet = ConditionalUNet(configuration, seed: 7)
        report.parameters = unet.parameterCount
        let weightsPath = workFolder + "/unet.safetensors", configPath = workFolder + "/unet.json"
        try Safetensors.write(unet.parameterTensors, to: weightsPath)
        try JSONEncoder().encode(configuration).write(to: URL(fileURLWithPath: configPath))

        var generator = SeededGenerator(seed: 11)
        let r = configuration.resolution
        let single = Tensor(randomNormal: [1, configuration.inputChannels, r, r], generator: &generator)
        try Safetensors.write([("input", single)], to: workFolder + "/input.safetensors")
        let (output, flops) = FLOPCounter.counting { withoutGradients { unet(Variable(single), timesteps: [500]).value } }
        report.forwardGFLOP = Double(flops) / 1e9
        log("UNet: \(report.parameters) parameters, \(format(report.forwardGFLOP)) GFLOP per forward at batch 1")

        report.oursForward = measure(warmup: 2, runs: forwardRuns) {
            _ = withoutGradients { unet(Variable(single), timesteps: [500]) }
        }.median
        log("ours   forward batch 1: \(ms(report.oursForward)) (\(format(report.forwardGFLOP / report.oursForward)) GFLOP/s)")

        let batch = Tensor(randomNormal: [trainingBatch, configuration.inputChannels, r, r], generator: &generator)
        let target = Tensor(randomNormal: [trainingBatch, configuration.outputChannels, r, r], generator: &generator)
        let timesteps = (0..<trainingBatch).map { Float($0 * 61 % 1000) }
        let adam = Adam(parameters: unet.parameters, learningRate: 1e-4)
        report.oursTrain = measure(warmup: 1, runs: trainingRuns) {
            unet.zeroGradients()
            let loss = mseLoss(unet(Variable(batch), timesteps: timesteps), Variable(target))
            loss.backward()
            adam.update()
        }.median
        report.oursPeakMiB = peakResidentMiB()
        log("ours   train step batch \(trainingBatch) (forward + backward + Adam): \(ms(report.oursTrain)), peak RSS \(Int(report.oursPeakMiB)) MiB")

        // PyTorch mirror on the same weights (saved before training changed them).
        let outputPath = workFolder + "/torch.json"
        func torch(trainRuns: Int) -> Int32 {
            runProcess(python, [torchScript, "--config", configPath, "--weights", weightsPath, "--input", workFolder + "/input.safetensors",
                                "--output", outputPath, "--threads", String(threads), "--batch", String(trainingBatch),
                                "--forward-runs", String(forwardRuns), "--train-runs", String(trainRuns)])
        }
        let status = torch(trainRuns: trainingRuns)
        if status == 0, let data = FileManager.default.contents(atPath: outputPath),
           let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] {
            report.torchForward = json["forward_seconds"] as? Double
            report.torchTrain = json["train_seconds"] as? Double
            report.torchPeakMiB = json["peak_rss_mib"] as? Double
            if let outputFile = json["output_path"] as? String, let archive = try? Safetensors.read(outputFile), let theirs = archive.tensors["output"] {
                report.outputDifference = output.maxAbsDifference(theirs)
            }
            if let f = report.torchForward { report.forwardRatios.append(report.oursForward / f) }
            for round in 0..<forwardRounds {
                let ours = measure(warmup: 2, runs: forwardRuns) { _ = withoutGradients { unet(Variable(single), timesteps: [500]) } }.median
                let status = torch(trainRuns: 0)
                guard status == 0, let data = FileManager.default.contents(atPath: outputPath),
                      let json = try JSONSerialization.jsonObject(with: data) as? [String: Any], let theirs = json["forward_seconds"] as? Double else { break }
                report.forwardRatios.append(ours / theirs)
                log("round \(round + 2): ours forward \(ms(ours)), ratio \(String(format: "%.2f", ours / theirs))")
            }
        } else {
            report.torchNote = "PyTorch mirror not run (\(python) \(torchScript) exited with \(status)); install it with pip install 'torch==2.13.0+cpu' safetensors"
        }
        return report
    }

    func runProcess(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

func format(_ x: Double) -> String { String(format: "%.1f", x) }
func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
