import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import Tensors

/// The engine's worker pool: every iteration of every job runs exactly once, whether the pool runs
/// it, a nested call inside a job, or a caller that finds the pool taken by another thread.
@Suite struct WorkerPoolTests {
    /// Runs `jobs` jobs of `width` iterations on `pool`, each iteration counting itself in its own slot:
    /// plain memory, so that ThreadSanitizer sees whether the pool orders the workers' writes before
    /// the caller's reads (scripts/sanitizers.sh thread).
    private func countRuns(_ pool: WorkerPool, jobs: Int, width: Int, nested: Bool = false) -> [Int] {
        let slots = jobs * width * (nested ? width : 1)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: slots)
        counts.initialize(repeating: 0, count: slots)
        defer { counts.deallocate() }
        for job in 0..<jobs {
            pool.run(iterations: width) { i in
                if nested {
                    pool.run(iterations: width) { k in counts[(job * width + i) * width + k] += 1 }
                } else {
                    counts[job * width + i] += 1
                }
            }
        }
        return Array(UnsafeBufferPointer(start: counts, count: slots))
    }

    @Test func everyIterationRunsOnce() {
        let pool = WorkerPool(threads: 1)
        // Jobs back to back (workers spinning), after pauses long enough for them to sleep, and after parking.
        #expect(countRuns(pool, jobs: 2000, width: 2) == [Int](repeating: 1, count: 4000))
        for round in 0..<40 {
            if round % 2 == 0 { usleep(1500) } else { pool.park() }
            #expect(countRuns(pool, jobs: 3, width: 2) == [Int](repeating: 1, count: 6))
        }
    }

    @Test func nestedCallsAndWidthsBeyondThePoolRunOnce() {
        let pool = WorkerPool(threads: 2)
        #expect(countRuns(pool, jobs: 200, width: 3, nested: true) == [Int](repeating: 1, count: 1800))
        #expect(countRuns(pool, jobs: 50, width: 7) == [Int](repeating: 1, count: 350))
    }

    @Test func concurrentCallersEachGetTheirOwnIterations() {
        let pool = WorkerPool(threads: 1)
        let totals = Mutex([Int](repeating: 0, count: 4))
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            let counts = countRuns(pool, jobs: 500, width: 2)
            totals.withLock { $0[caller] = counts.reduce(0, +) + (counts.allSatisfy { $0 == 1 } ? 0 : 1_000_000) }
        }
        #expect(totals.withLock { $0 } == [1000, 1000, 1000, 1000])
    }

    /// Products run on the workers count into the caller's FLOPCounter.
    @Test func workersCountIntoTheCallersCounter() {
        let pool = WorkerPool(threads: 1)
        let (_, operations) = FLOPCounter.counting {
            for _ in 0..<100 { pool.run(iterations: 2) { _ in FLOPCounter.product(5) {} } }
        }
        #expect(operations == 1000)
    }
}
