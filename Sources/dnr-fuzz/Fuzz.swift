// libFuzzer harnesses for every loader dnr points at files from strangers. Built only by
// scripts/fuzz.sh (with -sanitize=fuzzer,address and -DFUZZING, libFuzzer supplies main); a
// plain build gets a stub that says so. DNR_FUZZ_TARGET picks the loader.
import Explorer
import FaceFinding
import FaceID
import Foundation
import Imaging
import Restoration
import Tensors

enum FuzzTarget: String, CaseIterable {
    case png, jpeg, safetensors, weights, dat, detector, landmarks, theme, modelcard, runrecord

    /// Feeds one input to the loader; throwing is the expected answer to bad bytes, anything else
    /// (a trap, a sanitizer report, a hang, an unbounded allocation) is a finding.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .png: _ = try? PNGCodec.decode(bytes)
        case .jpeg:
            _ = ExifOrientation.of(jpeg: bytes)
            _ = try? JPEGCodec.decode(bytes)
        case .safetensors: _ = try? Safetensors.decode(bytes)
        case .weights: try? ModelStore.check(bytes)
        case .dat: try? RecognizerModelFile.check(bytes, path: "<fuzz>")
        case .detector: try? DetectorModelFile.check(bytes, path: "<fuzz>")
        case .landmarks: try? LandmarkModelFile.check(bytes, path: "<fuzz>")
        case .theme: _ = try? Theme.parse(String(decoding: bytes, as: UTF8.self), path: "<fuzz>")
        case .modelcard: _ = try? JSONDecoder().decode(ModelCard.self, from: Data(bytes))
        case .runrecord: _ = try? JSONDecoder().decode(EvaluationRunRecord.self, from: Data(bytes))
        }
    }

    static var current: FuzzTarget {
        let name = ProcessInfo.processInfo.environment["DNR_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("DNR_FUZZ_TARGET must be one of \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }
}

#if FUZZING
nonisolated(unsafe) var target = FuzzTarget.png

func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    target.run(count == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable through its own entry point, so this one hands over to libFuzzer's driver.
@main
struct FuzzMain {
    static func main() {
        target = FuzzTarget.current
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
    }
}
#else
@main
struct FuzzStub {
    static func main() {
        FileHandle.standardError.write(Data("dnr-fuzz: build it with scripts/fuzz.sh (libFuzzer and AddressSanitizer)\n".utf8))
        exit(2)
    }
}
#endif
