#if canImport(Glibc)
import Glibc
#endif
import Tensors

/// Wall-clock timing of repeated runs, reported as the median.
public struct TimingResult: Sendable {
    public let samples: [Double]  // seconds
    public var median: Double {
        let s = samples.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    public var minimum: Double { samples.min() ?? 0 }
}

public func measure(warmup: Int, runs: Int, _ body: () -> Void) -> TimingResult {
    for _ in 0..<warmup { body() }
    var samples: [Double] = []
    for _ in 0..<runs {
        let start = monotonicSeconds()
        body()
        samples.append(monotonicSeconds() - start)
    }
    return TimingResult(samples: samples)
}

/// Peak resident set size of this process so far, in MiB.
public func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
