import ArgumentParser
import CommandLineSupport
import FaceID
import FileIO
import Foundation
import Imaging
import Restoration
import Tensors

extension EvaluationMethod: ExpressibleByArgument {}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "The paper's comparison on a folder of clean aligned faces: metrics per method, a report, grids.",
        discussion: """
        Each face is degraded with a fixed seed (the paper's ranges, or the extreme ×4 setting), restored by every \
        method on shared noise, and scored against the clean face: PSNR, SSIM, IDS (cosine of dlib descriptors), \
        dlib's same-person rule, the face-perceptual distance (our LPIPS stand-in) and sharpness. With net2 and net3 or \
        net4, the guided outputs are also measured against Net2's: how much they change and how much of that change \
        lies inside the mask (OUT/guidance_effect.csv). Scores are appended to OUT/scores.csv as each face finishes, so \
        a killed run continues where it stopped.
        """)

    enum Setting: String, ExpressibleByArgument { case paper, extreme, both }

    @Option(help: "A folder of clean aligned faces (with faces.csv, or just images).") var data: String
    @Option(help: "The manifest split.") var split = "dev"
    @Option(help: "Use only the first N faces.") var limit: Int?
    @Option(help: "paper, extreme or both.") var setting: Setting = .both
    @Option(parsing: .upToNextOption, help: "Methods: bicubic ipc net1 net2 net3 net4.") var methods: [EvaluationMethod] = [.bicubic, .ipc, .net2, .net3, .net4]
    @Option(help: "Seed of the degradations and the diffusion noise.") var seed: UInt64 = 0
    @Option(help: "Folder with the trained networks (default: the project's Models/).") var weights: String?
    @Option(help: "Output folder for the report, scores.csv and grids.") var out: String
    @OptionGroup var sampling: SamplerOptions
    var steps: Int? { sampling.settings.steps }
    @Option(help: ArgumentHelp("Sweep a knob for the last diffusion method instead, in each --setting: \(SweepKnob.syntax) with comma-separated values, e.g. scale=0,0.5,1,2 (steps is K).")) var sweep: String?
    @Option(help: "Another eval's --out folder over the same faces, split and seed: the report adds this run minus that one, paired face by face (what new weights or settings changed, ± 95 % interval).") var baseline: String?
    @Option(help: "Cores this process uses (default all).") var threads: Int?
    @Option(help: "Score only the faces whose index is I modulo N (I/N), so that N processes with --threads 1 share one --out: on 2 cores two one-thread shards finish about 1.3× sooner than one two-thread run. Rerun without --shard at the end for the full report.") var shard: String?
    @Option(help: "Score with N one-thread processes (--shard i/N each, into --out; their output in OUT/shard-I.log), then write the report: --shard and the final plain run in one command.") var jobs = 1

    var shardSpec: (index: Int, count: Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] > 0, (0..<parts[1]).contains(parts[0]) else { return nil }
        return (parts[0], parts[1])
    }

    var samplerKind: SamplerKind { sampling.settings.kind }

    var stepsDescription: String {
        switch samplerKind {
        case .ddpm: steps.map { "\($0) respaced DDPM steps" } ?? "every DDPM step"
        case .ddim: "\(steps.map(String.init) ?? "every") \(samplerKind.name) steps"
        }
    }

    func validate() throws {
        if let sweep, SweepKnob.parse(sweep) == nil { throw ValidationError("--sweep takes \(SweepKnob.syntax) with comma-separated values") }
        if sweep != nil && !methods.contains(where: \.needsDiffusion) { throw ValidationError("--sweep needs a diffusion method (net2, net3 or net4)") }
        if shard != nil && shardSpec == nil { throw ValidationError("--shard takes I/N with 0 ≤ I < N, e.g. 0/2") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if jobs > 1 && (shard != nil || threads != nil) { throw ValidationError("--jobs runs its own one-thread shards: leave out --shard and --threads") }
        if jobs > 1 && sweep != nil { throw ValidationError("--jobs shards a run's per-face scores; a --sweep keeps only means: give it --threads instead") }
        if baseline != nil && sweep != nil { throw ValidationError("--baseline compares whole runs; a --sweep has no per-face scores") }
        if shard != nil && sweep != nil { throw ValidationError("--shard splits a run's per-face scores; a --sweep keeps only means: give it --threads instead, or run one eval per value with --shard and compare them with --baseline") }
    }

    func run() throws {
        EngineRuntime.prepare(threads: threads)
        let recognizer = try FaceRecognizer.loadDefault()
        let weights = ModelStore.folder(self.weights)
        let conditioner = try ModelStore.loadConditioner(from: weights)
        let pipeline = methods.contains(where: \.needsDiffusion) ? try RestorationPipeline.load(from: weights) : nil
        pipeline?.notes.forEach { writeStandardError($0 + "\n") }
        let evaluator = Evaluator(conditioner: conditioner, pipeline: pipeline, recognizer: recognizer)
        // The methods choose the guidance mode; --seed seeds each face's degradation and noise.
        evaluator.samplerSettings = sampling.settings
        if let file = sampling.maskFile, let pipeline { evaluator.userMask = try UserMask.load(file, resolution: pipeline.resolution) }

        let faces = try EvaluationFaces(folder: data, split: split, limit: limit)
        let (files, identities) = (faces.files, faces.identities)
        let settings: [EvaluationSetting] = setting == .both ? [.paper, .extreme] : [setting == .paper ? .paper : .extreme]
        if let sweep, let (knob, values) = SweepKnob.parse(sweep) {
            try runSweep(evaluator, knob: knob, values: values, files: files, settings: settings)
            return
        }
        var evaluation = EvaluationRun(folder: out, evaluator: evaluator, dataFolder: data, files: files, identities: identities, settings: settings, methods: methods, seed: seed)
        evaluation.shard = shardSpec
        // --limit may grow between resumes: a run over the first 60 faces continues to all 800.
        let record = EvaluationRunRecord(data: PortablePath.relative(data), split: split, seed: seed, methods: methods.map(\.rawValue),
                                         startStep: sampling.startStep, steps: steps, scale: sampling.scale, delta: sampling.delta, sampler: samplerKind,
                                         temperature: sampling.temperature,
                                         mask: sampling.maskRecord, exactGradient: sampling.exactGradient, weights: ModelFingerprint.list(in: weights))
        let baselineRun = try baseline.map { try BaselineRun(folder: $0, comparedWith: record) }  // refused before any scoring
        if jobs > 1 {
            try Folder.create(out)
            try record.claim(folder: out)  // a run of other settings is refused here, before any process starts
            try EvalJobs.run(jobs: jobs, arguments: Array(CommandLine.arguments.dropFirst()), out: out, faces: settings.count * files.count, methods: methods.count)
            try evaluation.scoreMissingFaces(record: record) {}  // none left unless a shard skipped one
        } else {
            let progress = ProgressBar(total: settings.count * files.count, label: "eval")
            try evaluation.scoreMissingFaces(record: record) { progress.advance() }
        }
        var header = "# dnr eval\n\nFaces: \(PortablePath.relative(data)) (split \(split), \(files.count) faces); seed \(seed); weights \(PortablePath.relative(weights)); methods \(methods.map(\.rawValue).joined(separator: ", ")).\n"
        header += "Weights: " + ModelFingerprint.list(in: weights).map(\.line).joined(separator: "; ") + ".\n"
        header += "Diffusion: T′ = \(sampling.startStep), \(stepsDescription), s = \(sampling.scale), δ = \(sampling.delta), τ = \(sampling.temperature), Net4's mask \(sampling.maskRecord)\(sampling.exactGradient ? ", exact gradient" : "").\n"
        header += "OpenBLAS: \(BLASCore.summary) (this report's process; per-face times in scores.csv are the scoring processes').\n"
        try evaluation.writeReport(header: header, baseline: baselineRun)
        let rows = try evaluation.scoredOutputs()
        print(EvaluationReport.tables(rows))
        if let baselineRun { print(baselineRun.comparisonTable(rows)) }
        print(EvaluationClaims.markdown(rows))
        print("report: \(out)/report.md")
    }

    /// The identity-vs-perceptual curve of one method over a knob's values, per setting.
    func runSweep(_ evaluator: Evaluator, knob: SweepKnob, values: [Double], files: [String], settings: [EvaluationSetting]) throws {
        let method = methods.last(where: \.needsDiffusion)!
        try Folder.create(out)
        let progress = ProgressBar(total: settings.count * values.count * files.count, label: "sweep")
        let points = try evaluator.sweep(knob, values: values, method: method, files: files, settings: settings, seed: seed) { progress.advance() }
        var csv = "setting,\(knob.rawValue),ids,perceptual,psnr,same_person\n"
        for p in points { csv += "\(p.setting.rawValue),\(p.value),\(p.ids),\(p.perceptual),\(p.psnr),\(p.samePerson)\n" }
        try AtomicFile.write(Array(csv.utf8), to: out + "/sweep_\(knob.rawValue).csv")
        try ImageFile.write(SweepPlot.render(points), to: out + "/sweep_\(knob.rawValue).png")
        print(csv, terminator: "")
        print("\(method.rawValue) over \(files.count) faces; plot (x: IDS, y: face-perceptual distance, darker = larger \(knob.rawValue); "
              + "\(settings.map(\.rawValue).joined(separator: ", ")) left to right): \(out)/sweep_\(knob.rawValue).png")
    }
}
