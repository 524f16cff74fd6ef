#if canImport(Glibc)
import Glibc
#endif

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
        let start = now()
        body()
        samples.append(now() - start)
    }
    return TimingResult(samples: samples)
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Peak resident set size of this process so far, in MiB.
public func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
