import CMalloc
import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings for fast engine runs; the executable calls `prepare` once at start.
public enum EngineRuntime {
    /// Uses `threads` cores (OpenBLAS and the engine's own loops) and keeps freed tensor memory in
    /// the process: by default glibc returns large blocks to the system at once, so every new tensor
    /// pays for fresh zeroed pages (about 7 % of a UNet forward).
    public static func prepare(threads: Int? = nil) {
        let count = threads ?? Parallelism.workers
        openblas_set_num_threads(Int32(count))
        // DNR_ENGINE_WORKERS overrides the engine's own loop width (for measurements).
        if let text = getenv("DNR_ENGINE_WORKERS"), let workers = Int(String(cString: text)), workers > 0 {
            Parallelism.workers = workers
        } else {
            Parallelism.workers = count
        }
        _ = mallopt(M_MMAP_THRESHOLD, 512 * 1024 * 1024)
        _ = mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024)
    }
}
