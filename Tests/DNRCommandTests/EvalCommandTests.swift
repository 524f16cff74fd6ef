import Foundation
import Imaging
import Restoration
import TestSupport
import Testing

/// sha256sum's hex digest of a file (an independent implementation).
func runShaSum(_ path: String) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Array(data.prefix(64))
}

@Suite struct EvalCommandTests {
    /// Four 32×32 faces, two photos each of two "people", with a manifest.
    func faces() throws -> String {
        let folder = try scratchFolder()
        let astronaut = try ImageFile.read(packageRoot + "/Samples/astronaut_chip128.png")
        let adele = try FaceFraming.chip(fromFFHQ: try ImageFile.read(packageRoot + "/Samples/real-lq-ffhq512/Adele_crop.png"), resolution: 128)
        try ImageFile.write(astronaut, to: folder + "/a1.png")
        try ImageFile.write(astronaut.gaussianBlurred(sigma: 0.7), to: folder + "/a2.png")
        try ImageFile.write(adele.clamped(), to: folder + "/b1.png")
        try ImageFile.write(adele.gaussianBlurred(sigma: 0.7).clamped(), to: folder + "/b2.png")
        let manifest = "file,split,source,identity,source_ref,sharpness\na1.png,dev,x,p:a,,0\na2.png,dev,x,p:a,,0\nb1.png,dev,x,p:b,,0\nb2.png,dev,x,p:b,,0\n"
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: folder + "/faces.csv"))
        return folder
    }

    @Test func withoutWeightsItUsesTheProjectModelsFromAnyFolder() throws {
        let data = try faces(), elsewhere = try scratchFolder()
        let result = try runDNR(["eval", "--data", data, "--setting", "paper", "--methods", "ipc", "--limit", "1", "--out", "eval"], directory: elsewhere)
        #expect(result.status == 0, "\(result.standardError)")
        let report = try String(contentsOfFile: elsewhere + "/eval/report.md", encoding: .utf8)
        let ipcHash = try String(decoding: runShaSum(packageRoot + "/Models/ipc.safetensors").prefix(16), as: UTF8.self)
        #expect(report.contains("`ipc.safetensors` sha256 `\(ipcHash)…`"), "\(report)")
    }

    @Test func reportOnAFourImageRunAndResume() throws {
        let data = try faces(), weights = try tinyWeights(), out = try scratchFolder() + "/eval"
        let arguments = ["eval", "--data", data, "--setting", "paper", "--methods", "bicubic", "ipc", "net2", "net4",
                         "--weights", weights, "--out", out, "--tprime", "10", "--steps", "2", "--delta", "0.05"]
        let first = try runDNR(arguments)
        #expect(first.status == 0, "\(first.standardError)")
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        for method in ["bicubic", "ipc", "net2", "net4"] { #expect(report.contains("| \(method) |")) }
        #expect(report.contains("Setting `paper` (4 faces"))
        #expect(report.contains("(2 probes against a gallery of 2 identities.)"))
        #expect(report.contains("Deviations from the paper"))
        // The claims that the methods run allow: ipc vs bicubic, net2 vs ipc, net4 vs ipc (no net3, so no share).
        #expect(report.contains("#### The paper's claims, setting `paper`") && report.contains("ipc has a higher SSIM than bicubic"))
        #expect(report.contains("net4's IDS is within 0.02 of the IPC's") && !report.contains("net3"))
        // The faces grouped by the scale they were degraded with: every face in one bin, each once; then all together
        // when they fell in more than one.
        let strength = report.components(separatedBy: "#### By degradation strength, setting `paper`").last!.components(separatedBy: "####")[0]
        let ipcRows = strength.split(separator: "\n").filter { $0.contains("| ipc |") }
        func faceCounts(_ rows: [Substring]) -> [Int] { rows.map { Int($0.split(separator: "|")[2].trimmingCharacters(in: .whitespaces))! } }
        let binned = faceCounts(ipcRows.filter { !$0.hasPrefix("| all |") }), together = faceCounts(ipcRows.filter { $0.hasPrefix("| all |") })
        #expect(binned.reduce(0, +) == 4 && together == (binned.count > 1 ? [4] : []), "\(strength)")
        // The weights are named by their hashes.
        let unetHash = try String(decoding: runShaSum(weights + "/unet.safetensors").prefix(16), as: UTF8.self)
        #expect(report.contains("`unet.safetensors` sha256 `\(unetHash)…`"), "\(report)")
        let scores = try String(contentsOfFile: out + "/scores.csv", encoding: .utf8).split(separator: "\n")
        #expect(scores.count == 1 + 4 * 4)
        // Portable records: faces named relative to the data folder, the data folder relative to where dnr ran.
        #expect(scores[1].split(separator: ",")[2] == "a1.png")
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run.json"))) as? [String: Any]
        let recorded = try #require(run?["data"] as? String)
        #expect(!recorded.hasPrefix("/") && URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/" + recorded).standardizedFileURL.path
                == URL(fileURLWithPath: data).standardizedFileURL.path, "\(recorded)")
        // One face's row: input, four methods, ground truth, 32 px each with 2-px gaps; the grid stacks the four rows.
        let row = try ImageFile.read(out + "/images/paper_000.png")
        #expect(row.width == 6 * 32 + 7 * 2 && row.height == 32 + 2 * 2)
        let grid = try ImageFile.read(out + "/grid_paper.png")
        #expect(grid.width == row.width && grid.height == 4 * row.height)
        #expect(grid.cropped(x: 0, y: 3 * row.height, width: row.width, height: row.height).samples == (try ImageFile.read(out + "/images/paper_003.png")).samples)
        // Running again finds every face done and adds nothing.
        let second = try runDNR(arguments)
        #expect(second.status == 0)
        #expect(try String(contentsOfFile: out + "/scores.csv", encoding: .utf8).split(separator: "\n").count == scores.count)
        // A smaller --limit reports only the faces it names, though the folder holds more.
        #expect(try runDNR(arguments + ["--limit", "2"]).status == 0)
        let smaller = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(smaller.contains("Setting `paper` (2 faces"), "\(smaller)")
        // Resuming with another knob or other weights would mix runs: refused, naming what differs.
        let changed = try runDNR(arguments.map { $0 == "0.05" ? "0.06" : $0 })
        #expect(changed.status != 0 && changed.standardError.contains("other delta"), "\(changed.standardError)")
        let ddim = try runDNR(arguments + ["--sampler", "ddim"])
        #expect(ddim.status != 0 && ddim.standardError.contains("other sampler"), "\(ddim.standardError)")
        // eval takes restore's sampler options: Net4 with the fixed facial regions is another run.
        let regions = try runDNR(arguments + ["--mask", "regions"])
        #expect(regions.status != 0 && regions.standardError.contains("other mask"), "\(regions.standardError)")
        #expect(run?["mask"] as? String == "learned")
        let otherWeights = try tinyWeights(seed: 9)
        let moved = try runDNR(arguments.map { $0 == weights ? otherWeights : $0 })
        #expect(moved.status != 0 && moved.standardError.contains("other weights"), "\(moved.standardError)")
        #expect(try String(contentsOfFile: out + "/scores.csv", encoding: .utf8).split(separator: "\n").count == scores.count)
    }

    /// `dnr masks` on the eval's faces: one row per mask; the facial regions' coverage is the boxes' share
    /// at the model's resolution; the sheet holds x, g(x) and the three masks for each face.
    @Test func masksReportCoverageAndRegions() throws {
        let data = try faces(), weights = try tinyWeights(), out = try scratchFolder()
        let result = try runDNR(["masks", "--data", data, "--weights", weights, "--limit", "3", "--out", out])
        #expect(result.status == 0, "\(result.standardError)")
        let table = result.standardOutput
        #expect(table.contains("Masks on 3 dev faces (paper setting, seed 0"), "\(table)")
        let coverage = FacialRegions.mask(resolution: 32).sum() / Float(32 * 32) * 100
        #expect(table.contains(String(format: "| facial regions | %.1f %% | 2.0 |", coverage)), "\(table)")
        #expect(table.contains("| learned M |") && table.contains("| proxy M′ |"))
        let sheet = try ImageFile.read(out + "/masks_paper.png")
        #expect(sheet.width == 5 * 32 + 6 * 2 && sheet.height == 3 * 32 + 4 * 2)
    }

    /// Net3's and Net4's outputs are measured against Net2's (guidance_effect.csv): the mean change is the
    /// mean |Δ| of the saved images, and the report's table averages the records.
    @Test func guidedOutputsAreMeasuredAgainstNet2() throws {
        let data = try faces(), weights = try tinyWeights(), out = try scratchFolder() + "/eval"
        let run = try runDNR(["eval", "--data", data, "--setting", "paper", "--methods", "net2", "net3", "net4", "--weights", weights,
                              "--out", out, "--tprime", "200", "--steps", "2", "--mask", "regions", "--scale", "500000"])
        #expect(run.status == 0, "\(run.standardError)")
        let effects = EvaluationReport.parseEffects(try String(contentsOfFile: out + "/guidance_effect.csv", encoding: .utf8))
        #expect(Set(effects.keys) == Set((0..<4).flatMap { i in ["net3", "net4"].map { "paper/\(i)/\($0)" } }))
        // Columns of a face's row: input, net2, net3, net4, truth (32 px, 2-px gaps).
        let row = try ImageFile.read(out + "/images/paper_000.png")
        func column(_ j: Int) -> [Float] { row.cropped(x: 2 + j * 34, y: 2, width: 32, height: 32).samples }
        for (j, method) in [(2, "net3"), (3, "net4")] {
            let change = zip(column(j), column(1)).map { abs($0 - $1) }.reduce(0, +) / Float(3 * 32 * 32)
            let recorded = try #require(effects["paper/0/\(method)"])
            #expect(recorded.meanChange > 0.001 && abs(recorded.meanChange - change) < 0.002, "\(method) \(recorded) vs \(change)")
            #expect((0...1).contains(recorded.shareInMask!) && recorded.maskCoverage > 0 && recorded.maskCoverage < 1)
        }
        // Two steps are too few for the change to spread: masked guidance's stays inside the mask, uniform's does not.
        #expect(effects["paper/0/net4"]!.shareInMask! > 0.9 && effects["paper/0/net3"]!.shareInMask! < 0.6)
        let net4 = (0..<4).map { Double(effects["paper/\($0)/net4"]!.meanChange) }.reduce(0, +) / 4
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(report.contains("#### Where guidance changed the face, setting `paper`")
                && report.contains("| net4 | 4 | " + String(format: "%.4f", net4)), "\(report)")
        let paired = (0..<4).map { 100 * Double(effects["paper/\($0)/net4"]!.shareInMask! - effects["paper/\($0)/net3"]!.shareInMask!) }.reduce(0, +) / 4
        #expect(report.contains("net4 − net3 paired over 4 faces: " + String(format: "%.1f", paired)), "\(report)")
    }

    /// Two one-thread shards writing into one folder at the same time, then a plain run for the report, give
    /// the same scores as one plain run: every face once, no line lost or torn; and so does --jobs 2.
    @Test func shardsShareOneFolder() throws {
        let data = try faces(), weights = try tinyWeights()
        func arguments(_ out: String) -> [String] {
            ["eval", "--data", data, "--setting", "both", "--methods", "ipc", "net4", "--weights", weights, "--out", out,
             "--tprime", "10", "--steps", "2", "--delta", "0.05"]
        }
        let single = try scratchFolder() + "/single", sharded = try scratchFolder() + "/sharded"
        #expect(try runDNR(arguments(single)).status == 0)
        let results = UncheckedResults()
        let shardArguments = (0..<2).map { arguments(sharded) + ["--threads", "1", "--shard", "\($0)/2"] }
        DispatchQueue.concurrentPerform(iterations: 2) { i in results.set(i, try? runDNR(shardArguments[i])) }
        #expect(results.values.allSatisfy { $0?.status == 0 }, "\(results.values.map { $0?.standardError ?? "no result" })")
        let final = try runDNR(arguments(sharded))
        #expect(final.status == 0, "\(final.standardError)")
        func scores(_ out: String) throws -> [String: Double] {
            var table: [String: Double] = [:]
            for line in try String(contentsOfFile: out + "/scores.csv", encoding: .utf8).split(separator: "\n").dropFirst() {
                let f = line.split(separator: ",")
                let key = "\(f[0])/\(f[1])/\(f[3])"
                #expect(table[key] == nil, "\(key) scored twice")
                table[key] = Double(f[4])
            }
            return table
        }
        let expected = try scores(single), got = try scores(sharded)
        #expect(expected.count == 2 * 4 * 2 && Set(got.keys) == Set(expected.keys))
        for (key, psnr) in expected { #expect(abs((got[key] ?? 0) - psnr) < 1e-3, "\(key)") }
        #expect(try runDNR(arguments(sharded) + ["--shard", "2/2"]).standardError.contains("--shard takes I/N"))
        let report = try String(contentsOfFile: sharded + "/report.md", encoding: .utf8)
        #expect(report.contains("Setting `paper` (4 faces") && report.contains("Setting `extreme` (4 faces"))

        // --jobs 2 is the two shards and the plain run in one command.
        let jobs = try scratchFolder() + "/jobs"
        let run = try runDNR(arguments(jobs) + ["--jobs", "2"])
        #expect(run.status == 0, "\(run.standardError)")
        let fromJobs = try scores(jobs)
        #expect(Set(fromJobs.keys) == Set(expected.keys))
        for (key, psnr) in expected { #expect(abs((fromJobs[key] ?? 0) - psnr) < 1e-3, "\(key)") }
        #expect((0..<2).allSatisfy { FileManager.default.fileExists(atPath: jobs + "/shard-\($0).log") })
        #expect(try String(contentsOfFile: jobs + "/report.md", encoding: .utf8).contains("Setting `extreme` (4 faces"))
        #expect(try runDNR(arguments(jobs) + ["--jobs", "2", "--threads", "2"]).standardError.contains("leave out --shard and --threads"))
    }

    /// An evaluation killed with SIGKILL at random moments and run again ends with the scores of a run never
    /// killed: every face and method once, no torn line.
    @Test func killedAndResumedEvaluationScoresEveryFaceOnce() throws {
        let data = try faces(), weights = try tinyWeights()
        func arguments(_ out: String) -> [String] {
            ["eval", "--data", data, "--setting", "both", "--methods", "ipc", "net4", "--weights", weights, "--out", out,
             "--tprime", "10", "--steps", "2", "--delta", "0.05"]
        }
        let single = try scratchFolder() + "/single", killed = try scratchFolder() + "/killed"
        #expect(try runDNR(arguments(single)).status == 0)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<4 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: dnrExecutable())
            process.arguments = arguments(killed)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 300_000...1_500_000, using: &generator))
            guard process.isRunning else { break }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        #expect(try runDNR(arguments(killed)).status == 0)
        func rows(_ out: String) throws -> [String: String] {
            var table: [String: String] = [:]
            for line in try String(contentsOfFile: out + "/scores.csv", encoding: .utf8).split(separator: "\n").dropFirst() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                #expect(f.count == 12, "a torn line: \(line)")
                let key = "\(f[0])/\(f[1])/\(f[3])"
                #expect(table[key] == nil, "\(key) scored twice")
                table[key] = f[4..<10].joined(separator: ",")  // the scores, not the seconds
            }
            return table
        }
        let expected = try rows(single), got = try rows(killed)
        #expect(Set(got.keys) == Set(expected.keys))
        for (key, value) in expected {
            let a = value.split(separator: ",").compactMap { Double($0) }, b = (got[key] ?? "").split(separator: ",").compactMap { Double($0) }
            #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($0)) }, "\(key): \(value) vs \(got[key] ?? "-")")
        }
    }

    /// `--sampler ddim` reaches the diffusion methods (other outputs than DDPM's on the same noise) and the report says so;
    /// the methods without diffusion score the same.
    @Test func ddimSamplerIsUsed() throws {
        let data = try faces(), weights = try tinyWeights()
        func run(_ extra: [String]) throws -> [String: Double] {
            let out = try scratchFolder() + "/eval"
            let result = try runDNR(["eval", "--data", data, "--limit", "2", "--setting", "paper", "--methods", "ipc", "net2",
                                     "--weights", weights, "--out", out, "--tprime", "10", "--steps", "3"] + extra)
            #expect(result.status == 0, "\(result.standardError)")
            if extra.contains("ddim") {
                #expect(try String(contentsOfFile: out + "/report.md", encoding: .utf8).contains("3 ddim steps"))
            }
            var table: [String: Double] = [:]
            for line in try String(contentsOfFile: out + "/scores.csv", encoding: .utf8).split(separator: "\n").dropFirst() {
                let f = line.split(separator: ",")
                table["\(f[1])/\(f[3])"] = Double(f[4])
            }
            return table
        }
        let ddpm = try run([]), ddim = try run(["--sampler", "ddim"])
        #expect(ddpm.count == 4 && ddim.count == 4)
        for face in 0..<2 {
            #expect(abs(ddpm["\(face)/ipc"]! - ddim["\(face)/ipc"]!) < 1e-9)
            #expect(abs(ddpm["\(face)/net2"]! - ddim["\(face)/net2"]!) > 1e-3)
        }
        #expect(try runDNR(["eval", "--data", data, "--weights", weights, "--out", try scratchFolder(), "--eta", "0.5"]).standardError.contains("--eta applies to --sampler ddim"))
    }

    @Test func sweepWritesTheCurve() throws {
        let data = try faces(), weights = try tinyWeights(), out = try scratchFolder() + "/sweep"
        let result = try runDNR(["eval", "--data", data, "--limit", "2", "--setting", "paper", "--methods", "net4", "--weights", weights, "--out", out,
                                 "--tprime", "6", "--steps", "2", "--delta", "0.05", "--sweep", "scale=0,50"])
        #expect(result.status == 0, "\(result.standardError)")
        let csv = try String(contentsOfFile: out + "/sweep_scale.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 3 && csv[0] == "setting,scale,ids,perceptual,psnr,same_person" && csv[1].hasPrefix("paper,0.0,") && csv[2].hasPrefix("paper,50.0,"))
        #expect(try ImageFile.read(out + "/sweep_scale.png").width == 320)
        // K is a knob too: one and two steps from T′ give other outputs.
        let steps = try runDNR(["eval", "--data", data, "--limit", "2", "--setting", "paper", "--methods", "net2", "--weights", weights, "--out", out,
                                "--tprime", "6", "--delta", "0.05", "--sweep", "steps=1,2"])
        #expect(steps.status == 0, "\(steps.standardError)")
        let rows = try String(contentsOfFile: out + "/sweep_steps.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",") }
        #expect(rows.count == 3 && rows[1][1] == "1.0" && rows[2][1] == "2.0" && rows[1][4] != rows[2][4])
    }

    /// Each point of a sweep is the mean of the run `dnr eval` makes with that value: the same faces, degradations
    /// and noise, in every setting asked for; and a sweep, which keeps no per-face scores, cannot be sharded.
    @Test func aSweepPointIsTheMeanOfTheRunWithThatValue() throws {
        let data = try faces(), weights = try tinyWeights(), out = try scratchFolder()
        let common = ["eval", "--data", data, "--limit", "2", "--methods", "net4", "--weights", weights, "--tprime", "6", "--steps", "2", "--delta", "0.05"]
        let sweep = try runDNR(common + ["--out", out + "/sweep", "--sweep", "scale=0,50"])
        #expect(sweep.status == 0, "\(sweep.standardError)")
        let points = try String(contentsOfFile: out + "/sweep/sweep_scale.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(points.map { "\($0[0]) \($0[1])" } == ["paper 0.0", "paper 50.0", "extreme 0.0", "extreme 50.0"])
        #expect(try ImageFile.read(out + "/sweep/sweep_scale.png").width == 2 * 320 + 3 * 4)
        let run = try runDNR(common + ["--out", out + "/run", "--scale", "50"])
        #expect(run.status == 0, "\(run.standardError)")
        let scores = try String(contentsOfFile: out + "/run/scores.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        for setting in ["paper", "extreme"] {
            let psnrs = scores.filter { $0[0] == Substring(setting) && $0[3] == "net4" }.map { Double($0[4])! }
            let point = try #require(points.first { $0[0] == Substring(setting) && $0[1] == "50.0" })
            #expect(psnrs.count == 2 && abs(Double(point[4])! - psnrs.reduce(0, +) / 2) < 1e-9, "\(setting): \(point) vs \(psnrs)")
        }
        let sharded = try runDNR(common + ["--out", out + "/sharded", "--sweep", "scale=0,50", "--shard", "0/2"])
        #expect(sharded.status != 0 && sharded.standardError.contains("a --sweep keeps only means"))
    }
}

/// Results of concurrently run commands, one slot each.
final class UncheckedResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [CommandResult?] = [nil, nil]
    func set(_ i: Int, _ value: CommandResult?) { lock.lock(); values[i] = value; lock.unlock() }
}
