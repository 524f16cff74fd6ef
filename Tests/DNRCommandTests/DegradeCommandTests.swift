import Foundation
import Imaging
import TestSupport
import Testing

@Suite struct DegradeCommandTests {
    let astronaut = packageRoot + "/Samples/astronaut_chip128.png"

    @Test func degradesOneFileAndReportsTheParameters() throws {
        let folder = try scratchFolder()
        let result = try runDNR(["degrade", astronaut, folder + "/x.png", "--seed", "9", "--size", "64", "--jpeg", "40"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("JPEG q=40"))
        #expect(result.standardOutput.contains("seed 9"))
        #expect(result.standardOutput.contains("R=64"))
        let image = try ImageFile.read(folder + "/x.png")
        #expect(image.width == 64 && image.height == 64)
        // Same seed, same bytes.
        _ = try runDNR(["degrade", astronaut, folder + "/y.png", "--seed", "9", "--size", "64", "--jpeg", "40"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/x.png")) == Data(contentsOf: URL(fileURLWithPath: folder + "/y.png")))
    }

    @Test(arguments: [
        (["degrade", "/no/such.png", "OUT/x.png"], "/no/such.png: no such file"),
        (["degrade", "NOTES", "OUT/x.png"], "not a PNG or JPEG image"),
        (["degrade", "ASTRONAUT", "OUT/x.gif"], "unknown output format"),
        (["degrade", "ASTRONAUT", "/etc/hostname/x.png"], "/etc/hostname is not a folder"),
        (["degrade", "ASTRONAUT", "OUT/x.png", "--jpeg", "0"], "--jpeg must be between 1 and 100"),
        (["degrade", "ASTRONAUT", "OUT/x.png", "--scale", "0.5"], "--scale must be ≥ 1"),
    ])
    func badInputGivesOneLineAndNoOutput(arguments: [String], message: String) throws {
        let folder = try scratchFolder()
        try Data("hello".utf8).write(to: URL(fileURLWithPath: folder + "/notes.png"))
        let resolved = arguments.map {
            $0.replacingOccurrences(of: "ASTRONAUT", with: astronaut).replacingOccurrences(of: "NOTES", with: folder + "/notes.png")
              .replacingOccurrences(of: "OUT", with: folder)
        }
        let result = try runDNR(resolved)
        #expect(result.status != 0)
        #expect(result.standardError.contains(message), "stderr: \(result.standardError)")
        let errorLines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errorLines.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["notes.png"])
    }

    @Test func folderModeSkipsBadFilesAndWritesAManifest() throws {
        let input = try scratchFolder(), output = try scratchFolder() + "/out"
        try FileManager.default.copyItem(atPath: astronaut, toPath: input + "/a.png")
        try FileManager.default.copyItem(atPath: astronaut, toPath: input + "/b.png")
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: input + "/c.jpg"))
        let result = try runDNR(["degrade", input, output, "--seed", "3", "--size", "32"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("c.jpg: not a PNG or JPEG image"))
        let names = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(names == ["a.png", "b.png", "degradations.jsonl"])
        let manifest = try String(contentsOfFile: output + "/degradations.jsonl", encoding: .utf8)
        let records = try manifest.split(separator: "\n").map {
            try JSONDecoder().decode(SyntheticPairRecord.self, from: Data($0.utf8))
        }
        #expect(records.count == 2)
        // Each file's own seed reproduces it alone.
        let single = try scratchFolder() + "/a.png"
        _ = try runDNR(["degrade", input + "/a.png", single, "--seed", String(records[0].seed), "--size", "32"])
        #expect(try ImageFile.read(single) == ImageFile.read(output + "/a.png"))
    }
}
