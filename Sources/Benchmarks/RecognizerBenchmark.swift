import FaceID
import Foundation
import Tensors

/// The face recognizer's speed: forward and forward+backward (w.r.t. the input) at the given batch sizes,
/// next to a PyTorch port on the same weights when one is installed.
public enum RecognizerBenchmark {
    public static func run(threads: Int, runs: Int, batches: [Int] = [1, 16], python: String, torchScript: String, workFolder: String, log: (String) -> Void) throws {
        EngineRuntime.prepare(threads: threads)
        log("OpenBLAS core: \(BLASCore.summary)")
        let recognizer = try FaceRecognizer.loadDefault()
        var g = SeededGenerator(seed: 2)
        let check = Tensor(randomNormal: [2, 3, 150, 150], standardDeviation: 0.3, generator: &g)
        let descriptors = withoutGradients { recognizer.descriptors(normalisedInput: Variable(check)) }.value
        let weightsPath = workFolder + "/recognizer.safetensors"
        try Safetensors.write(recognizer.namedWeights + [("check.input", check), ("check.descriptors", descriptors)], to: weightsPath)
        try JSONSerialization.data(withJSONObject: ["downsampling_units": recognizer.downsamplingUnits]).write(to: URL(fileURLWithPath: weightsPath + ".json"))

        var ours: [String: Double] = [:]
        for n in batches {
            let x = Tensor(randomNormal: [n, 3, 150, 150], standardDeviation: 0.3, generator: &g)
            ours["forward_\(n)"] = measure(warmup: 2, runs: runs) {
                _ = withoutGradients { recognizer.descriptors(normalisedInput: Variable(x)) }
            }.median
            ours["backward_\(n)"] = measure(warmup: 2, runs: runs) {
                let v = Variable(x, requiresGradient: true)
                recognizer.descriptors(normalisedInput: v).sum().backward()
            }.median
        }
        let outputPath = workFolder + "/recognizer_torch.json"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, torchScript, "--weights", weightsPath, "--output", outputPath, "--threads", String(threads), "--runs", String(runs), "--batches"] + batches.map(String.init)
        var theirs: [String: Double] = [:]
        if (try? process.run()) != nil {
            process.waitUntilExit()
            if process.terminationStatus == 0, let data = FileManager.default.contents(atPath: outputPath),
               let json = try JSONSerialization.jsonObject(with: data) as? [String: Double] {
                theirs = json
            }
        }
        for key in batches.flatMap({ ["forward_\($0)", "backward_\($0)"] }) {
            let label = key.hasPrefix("forward") ? "forward" : "forward+backward", n = key.split(separator: "_")[1]
            var line = "\(label) batch \(n): ours \(ms(ours[key]!))"
            if let t = theirs[key] { line += ", PyTorch \(ms(t)), ratio \(String(format: "%.2f", ours[key]! / t))" }
            log(line)
        }
        if let d = theirs["max_difference_to_dnr"] { log(String(format: "max |ours − PyTorch port| on the descriptors: %.2e", d)) }
        if theirs.isEmpty { log("PyTorch port not run: install torch and safetensors for \(python)") }
    }
}
