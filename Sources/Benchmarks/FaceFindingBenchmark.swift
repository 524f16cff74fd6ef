import FaceFinding
import Foundation
import Imaging
import Tensors

/// Finding faces in a photo: the detector at upsample 0 and 1, the landmarks and the chips, next to
/// dlib itself (scripts/bench/faces_dlib.py) when python3 has the `dlib` package.
public enum FaceFindingBenchmark {
    public static func run(photo path: String, threads: Int, runs: Int, python: String, dlibScript: String, modelsFolder: String,
                           workFolder: String, log: (String) -> Void) throws {
        EngineRuntime.prepare(threads: threads)
        log("OpenBLAS core: \(BLASCore.summary)")
        let finder = try FaceFinder.loadDefault()
        let image = try ImageFile.read(path)
        log("photo: \(path), \(image.width)×\(image.height)")
        var ours: [String: Double] = [:]
        var found: [FoundFace] = []
        for upsample in [0, 1] {
            var faces = 0
            let flops = Double(FLOPCounter.counting { finder.detector.detect(in: image, upsample: upsample) }.1)
            let timing = measure(warmup: 0, runs: runs) { faces = finder.detector.detect(in: image, upsample: upsample).count }
            ours["detect_upsample\(upsample)"] = timing.median
            log(String(format: "detection, upsample %d: %.0f ms (median of %d), %d faces, %.1f GFLOP in the network (%.0f GFLOP/s)",
                       upsample, timing.median * 1000, runs, faces, flops / 1e9, flops / 1e9 / timing.median))
        }
        found = finder.find(in: image, upsample: 1)
        let photo = ByteImage(image)
        let detections = finder.detector.detect(in: photo, upsample: 1)
        let landmarks = measure(warmup: 1, runs: runs) { for d in detections { _ = finder.predictor.landmarks(in: photo, box: d.box) } }
        ours["landmarks_per_face"] = landmarks.median / Double(max(1, detections.count))
        let chips = measure(warmup: 1, runs: runs) { for f in found { _ = FaceFinder.chip(of: f, from: photo, size: 128) } }
        log(String(format: "landmarks: %.2f ms per face; chip (128 px): %.2f ms per face", ours["landmarks_per_face"]! * 1000,
                   chips.median * 1000 / Double(max(1, found.count))))
        log(String(format: "peak RSS: %.0f MiB", peakResidentMiB()))

        let output = workFolder + "/faces_dlib.json"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, dlibScript, "--photo", path, "--models", modelsFolder, "--threads", String(threads), "--runs", String(runs), "--output", output]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { log("dlib: python3 not found"); return }
        process.waitUntilExit()
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: output),
              let theirs = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            log("dlib: not measured (python3 needs the dlib package: pip install dlib)")
            return
        }
        for key in ["detect_upsample0", "detect_upsample1", "landmarks_per_face"] {
            guard let t = theirs[key] as? Double, let o = ours[key] else { continue }
            log(String(format: "%@: ours %.1f ms, dlib %@ %.1f ms, ratio ours ÷ dlib %.2f", key, o * 1000, "\(theirs["dlib"] ?? "?")", t * 1000, o / t))
        }
    }
}
