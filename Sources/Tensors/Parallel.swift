import COpenBLAS

/// The engine's own parallel loops. The machine's cores are the budget; these loops are never
/// called around OpenBLAS or oneDNN calls (which have their own threads), so nothing oversubscribes;
/// `parallelProducts` is the one exception, and sets OpenBLAS to one thread while it runs.
public enum Parallelism {
    /// Worker count for the engine's loops (the cores this process may use).
    nonisolated(unsafe) public static var workers: Int = max(1, min(ProcessInfoCores.count, 64))
}

enum ProcessInfoCores {
    static var count: Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }
}

/// Runs `body(range)` over `0..<count` split into contiguous chunks, in parallel when the work is
/// large enough (`count * costPerItem` above about 32k operations) to beat the dispatch overhead.
@inline(__always)
package func parallelChunks(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
    let workers = Parallelism.workers
    if workers <= 1 || count < 2 || count * costPerItem < 32_768 {
        body(0..<count)
        return
    }
    let chunks = min(workers, count)
    // The chunks touch disjoint ranges of the caller's buffers, so sharing the closure is safe.
    WorkerPool.shared.run(iterations: chunks) { chunk in
        body(count * chunk / chunks..<count * (chunk + 1) / chunks)
    }
}

#if canImport(Glibc)
import Glibc
#endif

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Runs `body(i)` for `0..<count` spread over the engine's workers, each calling OpenBLAS on one
/// thread: for many small independent products (Winograd's 16), where OpenBLAS's own threads spend
/// more time waking than multiplying. OpenBLAS's thread count is restored afterwards.
package func parallelProducts(_ count: Int, _ body: (Int) -> Void) {
    let workers = Swift.min(Parallelism.workers, count)
    if workers <= 1 {
        for i in 0..<count { body(i) }
        return
    }
    let saved = openblas_get_num_threads()
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(saved) }
    WorkerPool.shared.run(iterations: workers) { worker in
        for i in Swift.stride(from: worker, to: count, by: workers) { body(i) }
    }
}
