#if canImport(Glibc)
import Glibc
#endif

/// Seconds on the monotonic clock (for timings: it never jumps with the wall clock).
public func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Milliseconds on the monotonic clock.
public func monotonicMilliseconds() -> Double { monotonicSeconds() * 1000 }
