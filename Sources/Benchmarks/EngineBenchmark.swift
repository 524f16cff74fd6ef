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
    /// Extra rounds, ours and PyTorch alternating, so that drift in the machine's speed (large on a
    /// shared virtual machine) falls on both sides: the forward, and the training step when
    /// `trainingRuns` > 0; the report gives each round's ratios.
    public var rounds = 0
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
        /// One training step's matrix products: seconds inside sgemm (packing included) and GFLOP.
        public var trainProducts = 0.0, trainGFLOP = 0.0
        public var torchForward: Double?, torchTrain: Double?, torchPeakMiB: Double?
        public var sgemmGFLOPs = 0.0
        public var outputDifference: Float?
        public var torchNote: String?
        /// Ours ÷ PyTorch per interleaved round (the first is the main run's): forward batch 1, the
        /// training step, and the floor (our step's time inside sgemm ÷ PyTorch's whole step).
        public var forwardRatios: [Double] = [], trainRatios: [Double] = [], floorRatios: [Double] = []
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
        report.oursPeakMiB = peakResidentMiB()

        let batch = Tensor(randomNormal: [trainingBatch, configuration.inputChannels, r, r], generator: &generator)
        let target = Tensor(randomNormal: [trainingBatch, configuration.outputChannels, r, r], generator: &generator)
        let timesteps = (0..<trainingBatch).map { Float($0 * 61 % 1000) }
        let adam = Adam(parameters: unet.parameters, learningRate: 1e-4)
        func trainingStep() {
            unet.zeroGradients()
            let loss = mseLoss(unet(Variable(batch), timesteps: timesteps), Variable(target))
            loss.backward()
            adam.update()
        }
        if trainingRuns > 0 {
            report.oursTrain = measure(warmup: 1, runs: trainingRuns, trainingStep).median
            report.oursPeakMiB = peakResidentMiB()
            log("ours   train step batch \(trainingBatch) (forward + backward + Adam): \(ms(report.oursTrain)), peak RSS \(Int(report.oursPeakMiB)) MiB")
            // One more step with the products timed: what im2col + sgemm cannot go below.
            let (_, counter) = FLOPCounter.counted(trainingStep)
            (report.trainProducts, report.trainGFLOP) = (counter.productSeconds, Double(counter.operations) / 1e9)
            log("ours   of one train step, inside sgemm (packing included): \(ms(report.trainProducts)), \(format(report.trainGFLOP)) GFLOP at \(format(report.trainGFLOP / report.trainProducts)) GFLOP/s")
        }

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
            if let t = report.torchTrain, trainingRuns > 0 {
                report.trainRatios.append(report.oursTrain / t)
                report.floorRatios.append(report.trainProducts / t)
            }
            for round in 0..<rounds {
                let ours = measure(warmup: 2, runs: forwardRuns) { _ = withoutGradients { unet(Variable(single), timesteps: [500]) } }.median
                let oursTrain = trainingRuns > 0 ? measure(warmup: 0, runs: trainingRuns, trainingStep).median : 0
                let products = trainingRuns > 0 ? FLOPCounter.counted(trainingStep).1.productSeconds : 0
                let status = torch(trainRuns: trainingRuns)
                guard status == 0, let data = FileManager.default.contents(atPath: outputPath),
                      let json = try JSONSerialization.jsonObject(with: data) as? [String: Any], let theirs = json["forward_seconds"] as? Double else { break }
                report.forwardRatios.append(ours / theirs)
                var line = "round \(round + 2): ours forward \(ms(ours)), ratio \(String(format: "%.2f", ours / theirs))"
                if trainingRuns > 0, let theirsTrain = json["train_seconds"] as? Double {
                    report.trainRatios.append(oursTrain / theirsTrain)
                    report.floorRatios.append(products / theirsTrain)
                    line += "; train step ours \(ms(oursTrain)), PyTorch \(ms(theirsTrain)), ratio \(String(format: "%.2f", oursTrain / theirsTrain))"
                        + ", floor \(String(format: "%.2f", products / theirsTrain))"
                }
                log(line)
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
/// Milliseconds, with two decimals below 10 ms (single layers run in tenths of one).
func ms(_ seconds: Double) -> String { String(format: seconds < 0.01 ? "%.2f ms" : "%.1f ms", seconds * 1000) }
