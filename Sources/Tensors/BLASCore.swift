import CCPUFeatures
import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Which OpenBLAS kernels run, and the choice dnr makes when OpenBLAS does not recognise the CPU.
///
/// Debian's OpenBLAS 0.3.21 does not know newer Intel CPUs and falls back to its generic Prescott
/// (SSE3) kernels, 2.5× slower than the AVX2 ones on the same machine. OpenBLAS reads
/// OPENBLAS_CORETYPE only when it loads, so the choice is made by `EngineRuntime.applyLibraryEnvironment`,
/// which sets it and re-executes the process.
public enum BLASCore {
    /// The kernel set in use, as OpenBLAS names it ("Haswell", "SkylakeX", "Prescott", …).
    public static var name: String { String(cString: openblas_get_corename()) }
    /// OpenBLAS's thread count.
    public static var threads: Int { Int(openblas_get_num_threads()) }
    /// For records and benchmark output: "Haswell, 2 threads", plus where the choice came from.
    public static var summary: String {
        let origin = environment(chosenVariable) != nil ? "chosen by dnr" : environment(coreVariable) != nil ? "set by OPENBLAS_CORETYPE" : "detected"
        return "\(name) (\(origin)), \(threads) threads"
    }

    /// What the CPU can run.
    public struct CPU: Sendable, Equatable {
        public var avx2FMA: Bool
        public var avx512: Bool
        public init(avx2FMA: Bool, avx512: Bool) {
            self.avx2FMA = avx2FMA
            self.avx512 = avx512
        }
        public static var current: CPU { CPU(avx2FMA: dnr_cpu_has_avx2_fma() != 0, avx512: dnr_cpu_has_avx512_skylakex() != 0) }
    }

    /// OpenBLAS cores with AVX2-class kernels: nothing to gain by choosing again.
    static let vectorCores: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"]

    /// The core to ask for when OpenBLAS runs `reported` on `cpu`, or nil to keep it.
    public static func preferred(over reported: String, on cpu: CPU) -> String? {
        guard cpu.avx2FMA, !vectorCores.contains(reported.lowercased()) else { return nil }
        return cpu.avx512 ? "SkylakeX" : "Haswell"
    }

    /// The next core to try when this OpenBLAS lacks `requested` (it then ignores the request).
    public static func fallback(after requested: String) -> String? {
        requested.lowercased() == "skylakex" ? "Haswell" : nil
    }

    public static let coreVariable = "OPENBLAS_CORETYPE"
    /// Marks OPENBLAS_CORETYPE as dnr's own choice, so that a value the user set is never replaced.
    public static let chosenVariable = "DNR_CHOSEN_OPENBLAS_CORETYPE"

    /// The environment a re-executed process should get when this one runs slower kernels than
    /// the CPU supports (a value nil: unset it), or no changes. `reported` is this process's core.
    public static func environmentChanges(reported: String, cpu: CPU, environment: [String: String]) -> [String: String?] {
        if let requested = environment[coreVariable] {
            // Only dnr's own choice is revisited, when this OpenBLAS ignored it (it lacks that core).
            guard environment[chosenVariable] == requested, reported.lowercased() != requested.lowercased() else { return [:] }
            let next = fallback(after: requested)
            return [coreVariable: next, chosenVariable: next]
        }
        guard let choice = preferred(over: reported, on: cpu) else { return [:] }
        return [coreVariable: choice, chosenVariable: choice]
    }

    /// Applies `environmentChanges` to this process's environment; true when the process should
    /// re-execute to load OpenBLAS with them.
    static func adjustEnvironment() -> Bool {
        var current: [String: String] = [:]
        for variable in [coreVariable, chosenVariable] { current[variable] = environment(variable) }
        let changes = environmentChanges(reported: name, cpu: .current, environment: current)
        for (variable, value) in changes {
            if let value { setenv(variable, value, 1) } else { unsetenv(variable) }
        }
        return changes.values.contains { $0 != nil }
    }

    static func environment(_ variable: String) -> String? {
        getenv(variable).map { String(cString: $0) }
    }
}
