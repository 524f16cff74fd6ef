import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The engine's persistent worker threads. The caller runs iterations itself and the workers join
/// it; between jobs they spin for a short while before they sleep, as OpenMP's threads do, because
/// a batch-1 network is a chain of sub-millisecond loops and waking a sleeping thread for each one
/// (Dispatch's workers sleep at once) cost the recognizer a third of its two-core speed-up.
///
/// One caller at a time: a call made while a job runs (from another thread, or from inside a job)
/// is spread by Dispatch instead, so nesting and concurrent callers stay correct.
final class WorkerPool: @unchecked Sendable {
    /// One per engine worker beyond the caller, made on first use.
    static let shared = WorkerPool(threads: Parallelism.workers - 1)

    /// How long an idle worker keeps polling for the next job before it sleeps: 1 ms, or
    /// DNR_WORKER_SPIN_US microseconds (for measurements).
    static let spinSeconds = (getenv("DNR_WORKER_SPIN_US").flatMap { Double(String(cString: $0)) } ?? 1000) * 1e-6

    let threads: Int
    /// The job being run: its number (0 when none). Workers enter a job only while holding `busy`,
    /// and the caller clears `active` and waits for `busy` to reach 0 before it returns, so no worker
    /// touches a job's body after its call ended.
    private let active = Atomic<Int>(0)
    private let busy = Atomic<Int>(0)
    private let next = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let taken = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private let parkings = Atomic<Int>(0)
    private var iterations = 0
    private var body: ((Int) -> Void)?
    private var counter: FLOPCounter?
    private var jobNumber = 0
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(threads: Int) {
        self.threads = Swift.max(0, threads)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        // Each thread keeps the pool alive (its threads never end; `shared` lives as long as the process).
        for _ in 0..<self.threads {
            let context = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            pthread_create(&thread, nil, { context in
                Unmanaged<WorkerPool>.fromOpaque(context!).takeUnretainedValue().work()
                return nil
            }, context)
            pthread_detach(thread)
        }
    }

    /// Runs `body(i)` for every i in 0..<iterations, on the caller and the workers.
    func run(iterations: Int, _ body: (Int) -> Void) {
        guard threads > 0, iterations > 1, iterations <= threads + 1,
              taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return withoutActuallyEscaping(body) { body in
                let shared = UncheckedSendable(body)
                DispatchQueue.concurrentPerform(iterations: iterations) { shared.value($0) }
            }
        }
        withoutActuallyEscaping(body) { body in
            self.iterations = iterations
            self.body = body
            counter = FLOPCounter.current
            next.store(0, ordering: .relaxed)
            done.store(0, ordering: .relaxed)
            jobNumber += 1
            active.store(jobNumber, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(lock)
                pthread_cond_broadcast(wake)
                pthread_mutex_unlock(lock)
            }
            runIterations()
            var polls = 0
            while done.load(ordering: .acquiring) < iterations {
                // A worker that lost its core (a loaded machine) gets it back sooner.
                polls += 1
                if polls % 1024 == 0 { sched_yield() }
            }
            active.store(0, ordering: .sequentiallyConsistent)
            while busy.load(ordering: .sequentiallyConsistent) > 0 {}
            self.body = nil
            counter = nil
        }
        taken.store(false, ordering: .releasing)
    }

    /// Sends the spinning workers to sleep at once: OpenBLAS is about to run its own threads, and a
    /// spinning worker would hold the core one of them needs.
    func park() {
        parkings.wrappingAdd(1, ordering: .relaxed)
    }

    private func runIterations() {
        while true {
            let i = next.wrappingAdd(1, ordering: .acquiringAndReleasing).oldValue
            guard i < iterations else { return }
            body!(i)
            done.wrappingAdd(1, ordering: .releasing)
        }
    }

    private func work() {
        // `parked`: the parking count when this worker last took a job or woke; a park after that
        // (even one made while it ran the job) sends it to sleep.
        var seen = 0, parked = parkings.load(ordering: .relaxed)
        while true {
            let started = monotonicSeconds()
            var polls = 0
            while [0, seen].contains(active.load(ordering: .relaxed)) {
                polls += 1
                if parkings.load(ordering: .relaxed) != parked
                    || polls % 256 == 0 && monotonicSeconds() - started > Self.spinSeconds {
                    waitForJob(after: seen)
                    parked = parkings.load(ordering: .relaxed)
                    break
                }
            }
            busy.wrappingAdd(1, ordering: .sequentiallyConsistent)
            let job = active.load(ordering: .sequentiallyConsistent)
            if job != 0 && job != seen {
                seen = job
                parked = parkings.load(ordering: .relaxed)
                FLOPCounter.$current.withValue(counter) { runIterations() }
            }
            busy.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Sleeps until a job other than `seen` is active.
    private func waitForJob(after seen: Int) {
        pthread_mutex_lock(lock)
        sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        while true {
            let job = active.load(ordering: .sequentiallyConsistent)
            if job != 0 && job != seen { break }
            pthread_cond_wait(wake, lock)
        }
        sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(lock)
    }
}
