import ArgumentParser
import CommandLineSupport
import FileIO
import Foundation
import Imaging
import Tensors

struct DegradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "degrade",
        abstract: "Make synthetic low-quality faces with the paper's degradation model (Eq. 10).",
        discussion: """
        Blur with a Gaussian kernel, downscale by s, add Gaussian noise, compress as JPEG at quality q, \
        resize back. Parameters not given are drawn from the paper's ranges scaled to the image's \
        resolution R: blur σ ~ U[0.1, 10]·R/512, s ~ U[1, 32·R/512], noise σ ~ U[0, 20], q ~ U{30…90}. \
        The values used are printed; for a folder they are also written to OUT/degradations.jsonl.
        """
    )

    @Argument(help: "A clean image (PNG or JPEG) or a folder of them.")
    var input: String

    @Argument(help: "The output image (.png, .jpg), or a folder when INPUT is a folder.")
    var output: String

    @Option(help: "Seed for every random draw (default: a random seed, printed).")
    var seed: UInt64?

    @Option(name: .customLong("size"), help: "Work at R×R: crop the centre square and resize to R first.")
    var size: Int?

    @Option(help: "Gaussian blur σ in pixels (0 for none).")
    var blur: Double?

    @Option(help: "Downscaling factor s ≥ 1.")
    var scale: Double?

    @Option(help: "Noise σ in grey levels of 255.")
    var noise: Double?

    @Option(help: "JPEG quality, 1–100.")
    var jpeg: Int?

    func validate() throws {
        if let size, !(8...4096).contains(size) { throw ValidationError("--size must be between 8 and 4096") }
        if let blur, !(blur >= 0 && blur.isFinite) { throw ValidationError("--blur must be ≥ 0") }
        if let scale, !(scale >= 1 && scale.isFinite) { throw ValidationError("--scale must be ≥ 1") }
        if let noise, !(noise >= 0 && noise.isFinite) { throw ValidationError("--noise must be ≥ 0") }
        if let jpeg, !(1...100).contains(jpeg) { throw ValidationError("--jpeg must be between 1 and 100") }
    }

    func run() throws {
        let fixed = PartialDegradation(blurSigma: blur, scale: scale, noiseSigma: noise, jpegQuality: jpeg)
        let seed = self.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        switch pathKind(input) {
        case .missing:
            throw ImageError.notFound(path: input)
        case .file:
            if pathKind(output) == .folder { throw ValidationError("\(output) is a folder; give an output file name") }
            if ImageFile.format(forPath: output) == nil { throw ImageError.unsupportedOutputFormat(path: output) }
            _ = try OutputPath.prepare(output, oneImage: true)
            let record = try SyntheticPair.make(input: input, output: output, size: size, fixed: fixed, seed: seed)
            print("\(record.output): \(record.parameters.summary), seed \(record.seed), R=\(record.resolution)")
        case .folder:
            try degradeFolder(fixed: fixed, seed: seed)
        }
    }

    private func degradeFolder(fixed: PartialDegradation, seed: UInt64) throws {
        _ = try OutputPath.prepare(output, oneImage: false)  // creates the folder
        let names = try Folder.list(input, where: ImageFile.isImageName)
        if names.isEmpty { throw ValidationError("\(input) holds no .png or .jpg images") }
        let progress = ProgressBar(total: names.count, label: "degrade")
        var records: [SyntheticPairRecord] = []
        var failures: [String] = []
        for name in names {
            // Each file's seed comes from the run's seed and its name, so one file can be redone alone.
            var stream = SeededGenerator(seed: seed, stream: name)
            let fileSeed = stream.next() >> 32
            do {
                records.append(try SyntheticPair.make(input: input + "/" + name, output: output + "/" + replacingExtension(name, with: "png"),
                                                      size: size, fixed: fixed, seed: fileSeed))
            } catch {
                failures.append(error.description)
            }
            progress.advance()
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let lines = try records.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Array(lines.utf8), to: output + "/degradations.jsonl")
        print("degraded \(records.count) of \(names.count) images into \(output) (seed \(seed); parameters in \(output)/degradations.jsonl)")
        if !failures.isEmpty {
            for failure in failures { writeStandardError("skipped " + failure + "\n") }
            throw ExitCode(1)
        }
    }
}
