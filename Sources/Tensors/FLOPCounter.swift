/// Counts the floating-point operations of matrix products and convolutions (2 per multiply-add)
/// while installed with `FLOPCounter.counting { … }`; used by benchmarks to report GFLOP/s.
public final class FLOPCounter: @unchecked Sendable {
    public private(set) var operations: Int = 0

    @TaskLocal static var current: FLOPCounter?

    public init() {}

    /// Runs `body` and returns its result with the operations it performed.
    public static func counting<T>(_ body: () throws -> T) rethrows -> (T, Int) {
        let counter = FLOPCounter()
        let result = try $current.withValue(counter, operation: body)
        return (result, counter.operations)
    }

    @inline(__always)
    static func add(_ count: Int) {
        if let counter = current { counter.operations += count }
    }
}
