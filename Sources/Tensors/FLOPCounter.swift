import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Counts the floating-point operations of matrix products and convolutions (2 per multiply-add of
/// the direct method, whatever algorithm ran),
/// and the time spent inside OpenBLAS's sgemm (its packing included), while installed with
/// `FLOPCounter.counting { … }`; used by benchmarks to report GFLOP/s and how much of a run is the
/// products themselves (the floor an im2col engine cannot go below). The engine's workers count
/// into their caller's counter (`WorkerPool` installs it for each job).
public final class FLOPCounter: @unchecked Sendable {
    private let counted = Atomic<Int>(0)
    private let countingThread = pthread_self()

    public var operations: Int { counted.load(ordering: .relaxed) }
    /// Seconds inside sgemm calls made on the counting thread (only that thread writes it).
    public private(set) var productSeconds: Double = 0

    @TaskLocal static var current: FLOPCounter?

    public init() {}

    /// Runs `body` and returns its result with the operations it performed.
    public static func counting<T>(_ body: () throws -> T) rethrows -> (T, Int) {
        let (result, counter) = try counted(body)
        return (result, counter.operations)
    }

    /// Runs `body` and returns its result with the counter (operations and time in products).
    public static func counted<T>(_ body: () throws -> T) rethrows -> (T, FLOPCounter) {
        let counter = FLOPCounter()
        let result = try $current.withValue(counter, operation: body)
        return (result, counter)
    }

    /// Runs a matrix product of `count` operations, timing it when a counter is installed.
    @inline(__always)
    static func product(_ count: Int, _ body: () -> Void) {
        guard let counter = current else { return body() }
        counter.counted.wrappingAdd(count, ordering: .relaxed)
        guard pthread_equal(pthread_self(), counter.countingThread) != 0 else { return body() }
        let start = monotonicSeconds()
        body()
        counter.productSeconds += monotonicSeconds() - start
    }
}
