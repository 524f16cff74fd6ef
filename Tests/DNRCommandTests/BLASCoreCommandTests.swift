import Foundation
import Testing
import Tensors

/// The kernels dnr runs OpenBLAS with, checked in fresh processes (OpenBLAS picks them at load).
@Suite struct BLASCoreCommandTests {
    func bench(_ environment: [String: String?]) throws -> (core: String, error: Double) {
        let result = try runDNR(["bench", "blas", "--size", "128", "--check-size", "160"], environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        let core = lines.first { $0.hasPrefix("OpenBLAS core: ") }.map { String($0.dropFirst("OpenBLAS core: ".count)) } ?? ""
        let error = lines.first { $0.contains("relative max error") }.flatMap { Double($0.split(separator: " ").last!) } ?? .infinity
        return (core, error)
    }

    @Test func everyCoreDNRMayChooseComputesCorrectlyOnThisCPU() throws {
        let cpu = BLASCore.CPU.current
        var candidates: [String] = []
        if cpu.avx2FMA { candidates.append("Haswell") }
        if cpu.avx512 { candidates.append("SkylakeX") }
        for candidate in candidates {
            let (core, error) = try bench([BLASCore.coreVariable: candidate, BLASCore.chosenVariable: nil])
            #expect(core.hasPrefix(candidate + " (set by OPENBLAS_CORETYPE)"), "asked for \(candidate), ran \(core)")
            #expect(error < 1e-5, "\(candidate): sgemm relative error \(error)")
        }
    }

    @Test func theDefaultRunUsesVectorKernelsWhereTheCPUHasThem() throws {
        let (core, error) = try bench([BLASCore.coreVariable: nil, BLASCore.chosenVariable: nil])
        #expect(error < 1e-5)
        if BLASCore.CPU.current.avx2FMA {
            let name = core.split(separator: " ").first.map(String.init) ?? ""
            #expect(BLASCore.preferred(over: name, on: .current) == nil, "the default run uses \(core) on an AVX2 CPU")
        }
    }

    @Test func aCoreTheUserSetIsKept() throws {
        let (core, _) = try bench([BLASCore.coreVariable: "Prescott", BLASCore.chosenVariable: nil])
        #expect(core.hasPrefix("Prescott (set by OPENBLAS_CORETYPE)"))
    }
}
