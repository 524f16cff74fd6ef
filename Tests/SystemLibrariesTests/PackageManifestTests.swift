import Foundation
import Testing

/// Package.swift declares every module each target imports (SwiftPM lets a target import a module
/// it reaches only through another dependency, which breaks when that dependency changes).
@Suite struct PackageManifestTests {
    @Test func everyImportedModuleIsADeclaredDependency() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let manifest = try String(contentsOfFile: root + "/Package.swift", encoding: .utf8)
        let platform: Set<String> = ["Foundation", "Glibc", "Darwin", "Musl", "Dispatch", "Testing", "XCTest", "Synchronization"]
        let target = /\.(?:target|executableTarget|testTarget)\(name: "([^"]+)"(?:, dependencies: \[([^\]]*)\])?/
        let imports = /(?m)^(?:@testable )?import (\w+)/
        var checked = 0
        for match in manifest.matches(of: target) {
            let name = String(match.1)
            let declared = Set((match.2.map(String.init) ?? "").matches(of: /"([^"]+)"/).map { String($0.1) })
            let folder = FileManager.default.fileExists(atPath: root + "/Sources/" + name) ? root + "/Sources/" + name : root + "/Tests/" + name
            let files = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".swift") }
            var used = Set<String>()
            for file in files { used.formUnion(try String(contentsOfFile: folder + "/" + file, encoding: .utf8).matches(of: imports).map { String($0.1) }) }
            let undeclared = used.subtracting(declared).subtracting(platform).subtracting([name])
            #expect(undeclared.isEmpty, "\(name) imports \(undeclared.sorted()) without declaring them in Package.swift")
            checked += 1
        }
        #expect(checked >= 15, "only \(checked) targets found: the manifest pattern is stale")
    }
}
