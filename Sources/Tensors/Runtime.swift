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
        // DNR_CONVOLUTION=unfolded|winograd|winograd4|direct forces one convolution algorithm where it applies (for measurements).
        if let text = getenv("DNR_CONVOLUTION"), let algorithm = ConvolutionAlgorithm(rawValue: String(cString: text)) {
            ConvolutionAlgorithm.automaticMeans = algorithm
        }
        _ = mallopt(M_MMAP_THRESHOLD, 512 * 1024 * 1024)
        _ = mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024)
    }

    /// Settings OpenBLAS reads only when the library loads, before any Swift code runs: a process
    /// that lacks them sets them and re-executes itself once; call this first thing in `main`.
    /// Explicit settings are respected.
    /// - OPENBLAS_THREAD_TIMEOUT: idle threads spin for 2^28 cycles (about 0.1 s) after every call by
    ///   default, taking a core from the engine's own loops in between; 2^4 lets them sleep at once
    ///   (a batch-16 diffusion training step: 3.15 → 2.75 s on a 2-core machine).
    /// - OPENBLAS_CORETYPE, when OpenBLAS runs generic kernels on a CPU with AVX2 (`BLASCore`).
    public static func applyLibraryEnvironment(arguments: [String] = CommandLine.arguments) {
        var changed = false
        if getenv("OPENBLAS_THREAD_TIMEOUT") == nil {
            setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1)
            changed = true
        }
        if BLASCore.adjustEnvironment() { changed = true }
        guard changed else { return }
        let argv = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", argv)
        argv.forEach { free($0) }  // exec failed: carry on with the default
    }
}
