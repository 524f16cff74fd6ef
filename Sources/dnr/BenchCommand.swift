import ArgumentParser
import Benchmarks
import FileIO
import Foundation
import Restoration
import Tensors

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the engine's speed, side by side with PyTorch where it is installed.",
        subcommands: [BLASBench.self, EngineBench.self, ConvolutionBench.self, RecognizerBench.self, StepBench.self, ExplorerBench.self, FacesBench.self, MemoryBench.self]
    )

    struct MemoryBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "memory",
            abstract: "Resident memory over many restorations in one process (the shipped networks, masked guidance): growth shows as a rising line.")

        @Argument(help: "The face (default: the shipped Samples/synthetic/astronaut_lq64.png).") var input: String?
        @Option(help: "Restorations.") var restores = 1000
        @Option(help: "Sampler steps per restoration (few keep 1000 restorations short).") var steps = 2
        @Option(help: "Threads.") var threads = 2

        func validate() throws {
            if restores < 2 { throw ValidationError("--restores must be at least 2") }
            if steps < 1 { throw ValidationError("--steps must be at least 1") }
        }

        func run() throws {
            let path = input ?? (ModelLocator.projectFolder("Samples").map { $0 + "/synthetic/astronaut_lq64.png" } ?? "Samples/synthetic/astronaut_lq64.png")
            try MemoryBenchmark.run(input: path, restores: restores, steps: steps, threads: threads) { print($0) }
        }
    }

    struct FacesBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "faces",
            abstract: "Finding faces in a photo: detection (upsample 0 and 1), landmarks and chips, next to dlib itself.",
            discussion: "dlib runs (scripts/bench/faces_dlib.py) when python3 has the dlib package (pip install dlib).")

        @Argument(help: "The photo (default: the shipped Samples/group_photo_1024x768.png).") var photo: String?
        @Option(help: "Threads for both.") var threads = 2
        @Option(help: "Timed runs (median reported).") var runs = 3
        @Option(help: "The dlib script.") var dlibScript = "scripts/bench/faces_dlib.py"

        func run() throws {
            let path = photo ?? (ModelLocator.projectFolder("Samples").map { $0 + "/group_photo_1024x768.png" } ?? "Samples/group_photo_1024x768.png")
            let models = ModelLocator.path(of: "mmod_human_face_detector.dat").map { String($0.dropLast("/mmod_human_face_detector.dat".count)) } ?? "Models"
            try withScratchFolder { folder in
                try FaceFindingBenchmark.run(photo: path, threads: threads, runs: runs, python: "python3", dlibScript: dlibScript,
                                             modelsFolder: models, workFolder: folder) { print($0) }
            }
        }
    }

    struct EngineBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "engine",
            abstract: "A conditional UNet (the ~22 M-parameter reference by default): forward at batch 1 and a training step.",
            discussion: "The PyTorch mirror (scripts/bench/unet_torch.py) runs when python3 has torch and safetensors installed.")

        @Option(help: "Threads for both engines.") var threads = 2
        @Option(help: "The UNet: reference (6→3 channels, 64×64, ~22 M parameters), \(UNetConfiguration.named.keys.sorted().joined(separator: " or ")).") var unet = "reference"
        @Option(help: "Batch size of the training step.") var batch = 16
        @Option(help: "Timed forward runs (median reported).") var forwardRuns = 10
        @Option(help: "Timed training steps (median reported).") var trainRuns = 3
        @Option(help: "Extra rounds, ours and PyTorch alternating (drift falls on both): the forward, and the training step unless --train-runs is 0.") var rounds = 0
        @Option(help: "The PyTorch mirror script.") var torchScript = "scripts/bench/unet_torch.py"

        func run() throws { try withScratchFolder { try run(in: $0) } }

        func run(in folder: String) throws {
            var bench = EngineBenchmark(torchScript: torchScript, workFolder: folder)
            if unet != "reference" {
                guard let configuration = UNetConfiguration.named[unet] else {
                    throw ValidationError("unknown --unet \(unet); choose reference or one of \(UNetConfiguration.named.keys.sorted().joined(separator: ", "))")
                }
                bench.configuration = configuration
            }
            bench.threads = threads
            bench.trainingBatch = batch
            bench.forwardRuns = forwardRuns
            bench.trainingRuns = trainRuns
            bench.rounds = rounds
            let report = try bench.run { print($0) }
            if let note = report.torchNote { print(note); return }
            if let f = report.torchForward {
                print(String(format: "ratio ours ÷ PyTorch: forward batch 1 %.2f", report.oursForward / f))
                print(String(format: "GFLOP/s: ours %.0f, PyTorch %.0f, OpenBLAS sgemm %.0f (forward, batch 1)",
                             report.forwardGFLOP / report.oursForward, report.forwardGFLOP / f, report.sgemmGFLOPs))
            }
            if let t = report.torchTrain, trainRuns > 0 {
                print(String(format: "ratio ours ÷ PyTorch: train step batch %d %.2f", batch, report.oursTrain / t))
                print(String(format: "floor of an im2col + sgemm step: its sgemm time alone ÷ PyTorch's whole step %.2f", report.trainProducts / t))
            }
            if let m = report.torchPeakMiB { print(String(format: "peak RSS: ours %.0f MiB, PyTorch %.0f MiB", report.oursPeakMiB, m)) }
            for (name, ratios) in [("forward batch 1", report.forwardRatios), ("train step", report.trainRatios),
                                   ("floor (sgemm time ÷ PyTorch's step)", report.floorRatios)] where ratios.count > 1 {
                let sorted = ratios.sorted()
                print("\(name) ratio over \(sorted.count) interleaved rounds: " + ratios.map { String(format: "%.2f", $0) }.joined(separator: ", ")
                      + String(format: "; median %.2f", sorted[sorted.count / 2]))
            }
            if let d = report.outputDifference { print(String(format: "max |ours − PyTorch| on the batch-1 output: %.2e", d)) }
        }
    }

    struct ExplorerBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "explorer",
            abstract: "Sixel cost per frame, and key-to-redraw latency of dnr explore on a pseudo-terminal while it steps.")
        @Option(help: "Folder with the trained networks (default: the project's Models/).") var weights: String?
        func run() throws {
            guard let samples = ModelLocator.projectFolder("Samples") else { throw ValidationError("the shipped Samples/ folder is not found") }
            try ExplorerBenchmark.run(executable: "/proc/self/exe", weights: weights, samples: samples) { print($0) }
        }
    }

    struct BLASBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "blas",
            abstract: "OpenBLAS as dnr runs it: the kernel set (core) and thread count, sgemm GFLOP/s, and sgemm's error against a plain reference.",
            discussion: """
            When OPENBLAS_CORETYPE is unset and OpenBLAS runs generic kernels on a CPU with AVX2 and FMA, dnr restarts \
            itself with the best kernels the CPU supports (SkylakeX with AVX-512, else Haswell); a value you set is kept.
            """)
        @Option(help: "Threads.") var threads = 2
        @Option(help: "Matrix size of the timed sgemm.") var size = 1024
        @Option(help: "Matrix size of the sgemm checked against a double-precision reference.") var checkSize = 192
        func run() {
            EngineRuntime.prepare(threads: threads)
            _ = BLASBenchmark.run(size: size, checkSize: checkSize) { print($0) }
        }
    }

    struct ConvolutionBench: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "conv", abstract: "Single 3×3 convolutions at the UNets' and the recognizer's sizes: im2col + sgemm beside Winograd and the direct kernel.")
        @Option(help: "Threads.") var threads = 2
        @Option(parsing: .upToNextOption, help: "Batch sizes to time.") var batches = [1, 16]
        func run() throws {
            if batches.isEmpty || batches.contains(where: { $0 < 1 }) { throw ValidationError("--batches takes one or more sizes ≥ 1") }
            ConvolutionBenchmark.run(threads: threads, batches: batches) { print($0) }
        }
    }

    struct RecognizerBench: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "recognizer", abstract: "The face recognizer, forward and forward+backward, beside a PyTorch port.")
        @Option(help: "Threads.") var threads = 2
        @Option(help: "Timed runs (median reported).") var runs = 10
        @Option(help: "The PyTorch port.") var torchScript = "scripts/bench/recognizer_torch.py"
        @Option(parsing: .upToNextOption, help: "Batch sizes to time.") var batches = [1, 16]
        func validate() throws {
            if batches.isEmpty || batches.contains(where: { $0 < 1 }) { throw ValidationError("--batches takes one or more sizes ≥ 1") }
        }
        func run() throws {
            try withScratchFolder { folder in
                try RecognizerBenchmark.run(threads: threads, runs: runs, batches: batches, python: "python3", torchScript: torchScript,
                                            workFolder: folder) { print($0) }
            }
        }
    }

    struct StepBench: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "step", abstract: "One reverse step at R = 64 with the shipped network sizes: unguided, masked guidance, exact gradient.")
        @Option(help: "Threads.") var threads = 2
        @Option(help: "Timed steps (median reported).") var steps = 15
        @Option(help: "The denoiser's size: \(UNetConfiguration.named.keys.sorted().joined(separator: " or ")).") var unet = "light"
        func run() throws {
            guard let configuration = UNetConfiguration.named[unet] else {
                throw ValidationError("unknown --unet \(unet); choose \(UNetConfiguration.named.keys.sorted().joined(separator: " or "))")
            }
            try StepBenchmark.run(unet: configuration, threads: threads, steps: steps) { print($0) }
        }
    }
}

/// Runs `body` with a fresh temporary folder for the benchmark's files, removed afterwards.
func withScratchFolder(_ body: (String) throws -> Void) throws {
    let folder = NSTemporaryDirectory() + "dnr-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try body(folder)
}
