import CommandLineSupport
import Foundation
import Restoration

/// `dnr eval --jobs N`: N one-thread processes of this executable, each scoring `--shard i/N` into the
/// same --out (EvaluationRun appends whole lines, so they never clash), with one progress bar read from
/// scores.csv; the caller then writes the report as a plain run would.
enum EvalJobs {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `arguments`: this run's own (without the executable), `--jobs` and `--threads` still in them.
    static func run(jobs: Int, arguments: [String], out: String, faces: Int, methods: Int) throws {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe")
        let common = removing(["--jobs", "--threads"], from: arguments) + ["--threads", "1"]
        var children: [Process] = []
        defer { for child in children where child.isRunning { child.terminate() } }  // a failure stops the others
        for index in 0..<jobs {
            let log = out + "/shard-\(index).log"
            guard FileManager.default.createFile(atPath: log, contents: nil) else { throw Failure(description: "cannot write \(log)") }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            let child = Process()
            child.executableURL = executable
            child.arguments = common + ["--shard", "\(index)/\(jobs)"]
            child.standardOutput = handle
            child.standardError = handle
            try child.run()
            children.append(child)
        }
        func checkFinished() throws {
            if let failed = children.firstIndex(where: { !$0.isRunning && $0.terminationStatus != 0 }) {
                throw Failure(description: "shard \(failed)/\(jobs) stopped with status \(children[failed].terminationStatus); its output: \(out)/shard-\(failed).log")
            }
        }
        let progress = ProgressBar(total: faces, label: "eval ×\(jobs)")
        progress.resume(at: EvaluationRun.scoredFaceCount(folder: out, methods: methods))
        while children.contains(where: \.isRunning) {
            Thread.sleep(forTimeInterval: 1)
            let done = min(faces, EvaluationRun.scoredFaceCount(folder: out, methods: methods))
            if done > progress.completed { progress.advance(by: done - progress.completed) }
            try checkFinished()
        }
        try checkFinished()
    }

    /// `arguments` without the options named (as `--name value` or `--name=value`).
    static func removing(_ names: Set<String>, from arguments: [String]) -> [String] {
        var kept: [String] = [], skipNext = false
        for argument in arguments {
            if skipNext { skipNext = false; continue }
            if names.contains(argument) { skipNext = true; continue }
            if let equals = argument.firstIndex(of: "="), names.contains(String(argument[..<equals])) { continue }
            kept.append(argument)
        }
        return kept
    }
}
