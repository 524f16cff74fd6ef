#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Imaging
import Restoration
import Tensors

/// Memory over many restorations in one process: the resident set after each batch of restores,
/// so growth (a leak, a cache that never empties) shows as a rising line.
public enum MemoryBenchmark {
    /// The resident set now, in MiB (from /proc/self/statm).
    public static func residentMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    public static func run(input: String, restores: Int, steps: Int, threads: Int, log: (String) -> Void) throws {
        EngineRuntime.prepare(threads: threads)
        log("OpenBLAS core: \(BLASCore.summary)")
        let restorer = FaceRestorer.pipeline(try RestorationPipeline.load())
        var job = RestoreJob()
        job.settings.steps = steps
        let chip = try FaceAlignment.chip.chip(from: ImageFile.read(input), path: input, resolution: restorer.resolution)
        let start = monotonicSeconds()
        _ = try job.restore(restorer, chip: chip, extrasBase: "")
        let first = residentMiB()
        log(String(format: "after 1 restore (%d steps): resident %.0f MiB, peak %.0f MiB", steps, first, peakResidentMiB()))
        let every = max(1, restores / 10)
        var samples: [Double] = []
        for k in 2...max(2, restores) {
            _ = try job.restore(restorer, chip: chip, extrasBase: "")
            if k % every == 0 || k == restores {
                samples.append(residentMiB())
                log(String(format: "after %d restores: resident %.0f MiB (%.1f s)", k, samples.last!, monotonicSeconds() - start))
            }
        }
        let growth = (samples.last ?? first) - (samples.first ?? first)
        log(String(format: "resident from the first sample to the last: %+.1f MiB over %d restores; peak %.0f MiB", growth, restores, peakResidentMiB()))
    }
}
