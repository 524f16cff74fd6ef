import Foundation
import Glibc
import Imaging
import PseudoTerminal
import TestSupport
import Testing

/// Drives the real `dnr explore` in a tmux pseudo-terminal and reads the screen.
final class TmuxSession {
    let name = "dnr-test-\(UUID().uuidString.prefix(8))"

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    init(command: String) throws {
        // The tmux server this starts inherits the client's output: give it none, or reading the
        // client's output would wait for the server to exit.
        try tmux(["new-session", "-d", "-s", name, "-x", "160", "-y", "50", command], capture: false)
    }

    deinit { _ = try? tmux(["kill-session", "-t", name], capture: false) }

    func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

    func screen() throws -> String { try tmux(["capture-pane", "-t", name, "-p"]) }

    /// Waits (up to `seconds`) until the screen contains every one of `texts`: a screen caught mid-update can
    /// show a new header over the old panes, so a check of two places on the screen waits for both.
    @discardableResult
    func wait(for texts: String..., seconds: Double = 30) throws -> String {
        try wait(until: texts.map { "\"\($0)\"" }.joined(separator: " and "), seconds: seconds) { screen in texts.allSatisfy(screen.contains) }
    }

    /// Waits (up to `seconds`) until `condition` holds for the screen, recording an issue named by `description` if it never does.
    @discardableResult
    func wait(until description: String, seconds: Double = 30, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.2)
        }
        Issue.record("timed out waiting for \(description); screen:\n\(last)")
        return last
    }

    /// Runs tmux with posix_spawn and waitpid (Foundation's Process can miss the exit of a client
    /// that finishes at once, as `new-session -d` does); the output is read when `capture` is set.
    @discardableResult
    func tmux(_ arguments: [String], capture: Bool = true) throws -> String {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { return "" }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        if capture { posix_spawn_file_actions_adddup2(&actions, pipe[1], 1) } else { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        let argv = (["tmux"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var attributes = posix_spawnattr_t()
        cleanSignalAttributes(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, "/usr/bin/tmux", &actions, &attributes, argv, environ)
        close(pipe[1])
        var output: [UInt8] = []
        if status == 0 && capture {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(pipe[0], &buffer, buffer.count)
                if n <= 0 { break }
                output += buffer[0..<n]
            }
        }
        close(pipe[0])
        if status == 0 { var exit: Int32 = 0; waitpid(pid, &exit, 0) }
        return String(decoding: output, as: UTF8.self)
    }
}

@Suite(.serialized, .enabled(if: TmuxSession.available, "tmux is not installed")) struct ExploreCommandTests {
    func start(snapshots: String) throws -> TmuxSession {
        let weights = try tinyWeights()
        let command = "cd \(packageRoot) && \(dnrExecutable()) explore --weights \(weights) --graphics blocks --tprime 30 --steps 6 "
            + "--delta 0.05 --scale 1 --snapshots \(snapshots); stty -a; echo EXITED; sleep 30"
        return try TmuxSession(command: command)
    }

    @Test func panesKeysCompareHelpSnapshotAndQuit() throws {
        let snapshots = try scratchFolder()
        let session = try start(snapshots: snapshots)
        // The header can be drawn a moment before the panes on a loaded machine: wait for the whole first screen
        // (the run stays at step 0, at T′, until a key).
        let labels = ["dnr explore", "g(x)", "M′", "ground truth", "[masked] ŷ0,t", "y_t", "q quit"]
        try session.wait(until: "the first screen: \(labels) at step 0/6, t=30, T′=30") { screen in
            labels.allSatisfy(screen.contains) && screen.contains("step 0/6  t=30  T′=30")
        }
        try session.keys("n")
        try session.wait(for: "step 1/6  t=30")
        try session.keys("n")
        try session.wait(for: "step 2/6  t=24")  // the respaced plan: 30, 24, 18, 13, 7, 1
        try session.keys("D")
        try session.wait(for: "δ=0.10")
        try session.keys("S")
        try session.wait(for: "s=2.0")
        try session.keys("T")
        try session.wait(for: "step 0/6  t=80  T′=80")  // T′ restarts the run
        try session.keys("M")
        try session.wait(for: "mode masked(M′)")
        try session.keys("M")
        try session.wait(for: "mode masked(regions)", "mask: regions")  // the fixed facial regions
        try session.keys("M")
        try session.wait(for: "mode masked(M)")  // no mask of the user's: back to the learned M
        try session.keys("g")
        try session.wait(for: "|ŷ0,t − g(x)|")
        try session.keys("g")
        try session.keys("c")
        try session.wait(for: "[uniform]", "[off]", "[masked]", "mode compare")
        try session.keys("?")
        try session.wait(for: "Keys")
        // The footer stays (the screen may be caught mid-update, so wait for it too); the panes go.
        try session.wait(until: "the overlay to replace the panes") { $0.contains("q quit") && !$0.contains("[uniform] ŷ0,t") }
        try session.keys("?")
        try session.wait(for: "[uniform] ŷ0,t")
        try session.keys("p")
        try session.wait(for: "saved ")
        let folders = try FileManager.default.contentsOfDirectory(atPath: snapshots)
        #expect(folders.count == 1)
        #expect(FileManager.default.fileExists(atPath: snapshots + "/" + folders[0] + "/snapshot.json"))
        try session.keys("q")
        let after = try session.wait(for: "EXITED")
        #expect(after.contains(" icanon") && after.contains(" echo "), "terminal modes not restored:\n\(after)")
    }

    @Test func interruptRestoresTheTerminal() throws {
        let session = try start(snapshots: try scratchFolder())
        try session.wait(for: "step 0/6")
        try session.keys("C-c")
        let after = try session.wait(for: "EXITED")
        #expect(after.contains(" icanon") && after.contains(" echo "))
    }

    /// `e` runs one step per turn of the worker: `q` quits between two steps, long before the run ends.
    @Test func quitDuringRunToEndIsImmediate() throws {
        let weights = try tinyWeights()
        let session = try TmuxSession(command: "cd \(packageRoot) && \(dnrExecutable()) explore --weights \(weights) --graphics blocks "
                                      + "--tprime 1000 --steps all --delta 0.05 --scale 1; echo EXITED; sleep 30")
        try session.wait(for: "step 0/1000")
        try session.keys("e")
        // Steps of the tiny models are faster than the screen is read: wait for any step past the first.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !(try session.screen()).contains(/step ([2-9]|[1-9][0-9]+)\/1000/) { Thread.sleep(forTimeInterval: 0.1) }
        try session.keys("q")
        let after = try session.wait(for: "EXITED", seconds: 10)
        #expect(!after.contains("[finished]"))
    }

    /// A terminal ncurses cannot drive is a clear error, and the terminal is left as it was.
    @Test(arguments: ["dumb", "no-such-terminal-dnr"])
    func anUnusableTerminalIsAClearError(term: String) throws {
        let weights = try tinyWeights()
        let session = try TmuxSession(command: "cd \(packageRoot) && TERM=\(term) \(dnrExecutable()) explore --weights \(weights) --graphics ascii; "
                                      + "echo STATUS=$?; stty -a; echo STTY-DONE; sleep 30")
        // Wait for stty's output, not just the status line before it (the screen can be read between the two).
        let after = try session.wait(for: "STTY-DONE")
        #expect(after.contains("STATUS=1") || after.contains("STATUS=64"), "\(after)")
        #expect(after.contains("needs a terminal that can place the cursor") && after.contains("TERM=\(term)"), "\(after)")
        #expect(after.contains(" icanon") && after.contains(" echo "))
    }

    /// SIGTERM and SIGHUP at any moment (here while playing) restore the terminal modes.
    @Test(arguments: ["TERM", "HUP"])
    func signalsRestoreTheTerminal(signal: String) throws {
        let weights = try tinyWeights()
        let session = try TmuxSession(command: "cd \(packageRoot) && (\(dnrExecutable()) explore --weights \(weights) --graphics ascii --tprime 200 "
                                      + "--steps all & pid=$!; sleep 4; kill -\(signal) $pid; wait $pid; echo STATUS=$?); stty -a; echo STTY-DONE; sleep 30")
        try session.keys(" ")
        let after = try session.wait(for: "STTY-DONE")
        #expect(after.contains(" icanon") && after.contains(" echo "), "terminal modes not restored after SIG\(signal):\n\(after)")
    }

    /// Ctrl-Z suspends with the terminal restored (the shell reads lines again), and `fg` brings the
    /// explorer back with every pane redrawn, images included; it still answers keys and quits cleanly.
    @Test func suspendAndResumeRedrawEverything() throws {
        let weights = try tinyWeights()
        let session = try TmuxSession(command: "bash --norc --noprofile")
        try session.keys("cd \(packageRoot) && \(dnrExecutable()) explore --weights \(weights) --graphics blocks --tprime 30 --steps 6; echo EXITED-$((40 + 2))", "Enter")
        try session.wait(for: "step 0/6", "▀")  // images before the suspension
        try session.keys("C-z")
        try session.wait(for: "Stopped")
        // The typed line is on the screen too: the marker waited for is one only the shell's output has.
        try session.keys("stty -a; echo STTY-$((40 + 2))-DONE", "Enter")
        let suspended = try session.wait(for: "STTY-42-DONE")
        #expect(suspended.contains(" icanon") && suspended.contains(" echo "), "the terminal is not restored while suspended")
        try session.keys("fg", "Enter")
        try session.wait(for: "step 0/6", "▀", "dnr explore")
        try session.keys("n")
        try session.wait(for: "step 1/6")
        try session.keys("q")
        try session.wait(for: "EXITED-42")
    }

    /// A non-UTF-8 locale: the explorer runs (its non-ASCII labels degrade) and quits cleanly.
    @Test func aNonUTF8LocaleWorks() throws {
        let weights = try tinyWeights()
        let session = try TmuxSession(command: "cd \(packageRoot) && LC_ALL=C LANG=C \(dnrExecutable()) explore --weights \(weights) --graphics ascii "
                                      + "--tprime 30 --steps 6; echo STATUS=$?; stty -a; echo STTY-DONE; sleep 30")
        try session.wait(for: "step 0/6")
        try session.keys("n")
        try session.wait(for: "step 1/6")
        try session.keys("q")
        let after = try session.wait(for: "STTY-DONE")
        #expect(after.contains("STATUS=0") && after.contains(" icanon") && after.contains(" echo "))
    }

    /// --mask FILE: masked guidance starts with the file's mask, shown in the top row; M cycles on from it.
    @Test func aMaskFileIsShownAndCycled() throws {
        let weights = try tinyWeights(), folder = try scratchFolder()
        var samples = [Float](repeating: 0, count: 3 * 64 * 64)
        for i in 0..<(64 * 32) { samples[i] = 1; samples[4096 + i] = 1; samples[8192 + i] = 1 }
        try ImageFile.write(RGBImage(width: 64, height: 64, samples: samples), to: folder + "/upper.png")
        let session = try TmuxSession(command: "cd \(packageRoot) && \(dnrExecutable()) explore --weights \(weights) --graphics ascii "
                                      + "--tprime 30 --steps 6 --mask \(folder)/upper.png; sleep 30")
        try session.wait(for: "step 0/6", "mode masked(yours)", "mask: yours")
        try session.keys("M")
        try session.wait(for: "mode masked(M)")
        try session.keys("q")
    }

    @Test func samplesSwitchWithTheBrackets() throws {
        let weights = try tinyWeights()
        let session = try TmuxSession(command: "cd \(packageRoot) && \(dnrExecutable()) explore --weights \(weights) --graphics ascii --theme light "
                                      + "--tprime 30 --steps 6; sleep 30")
        try session.wait(for: "astronaut_lq64.png  (1/9)", "ground truth")
        try session.keys("]")
        try session.wait(for: "astronaut_lq64_x4.png  (2/9)")
        try session.keys("]")
        try session.wait(until: "a real face (3/9) without a ground truth") { $0.contains("(3/9)") && $0.contains("real-lq-ffhq512/") && !$0.contains("ground truth") }
        try session.keys("[", "[", "[")
        try session.wait(for: "(9/9)")
        try session.keys("q")
    }

    /// A photo's faces are the samples; a snapshot also writes the photo with the faces restored so far.
    @Test func aPhotosFacesAreTheSamples() throws {
        let weights = try tinyWeights(), snapshots = try scratchFolder()
        let photo = packageRoot + "/Tests/FaceFindingTests/Fixtures/photos/group-01.png"
        let session = try TmuxSession(command: "cd \(packageRoot) && \(dnrExecutable()) explore \(photo) --weights \(weights) --graphics ascii "
                                      + "--tprime 30 --steps 6 --snapshots \(snapshots); sleep 30")
        try session.wait(for: "group-01.png — face 1 of 2  (1/2)")
        try session.keys("n")
        try session.wait(for: "step 1/6")
        try session.keys("]")
        try session.wait(for: "face 2 of 2  (2/2)", "step 0/6")  // face 1's step 1/6 has gone
        try session.keys("n")
        try session.wait(for: "step 1/6")
        try session.keys("p")
        try session.wait(for: "the photo with 2 faces restored so far")
        let folders = try FileManager.default.contentsOfDirectory(atPath: snapshots)
        #expect(folders.count == 1)
        let restored = try ImageFile.read(snapshots + "/" + folders[0] + "/group-01_restored.png")
        let original = try ImageFile.read(photo)
        #expect(restored.width == original.width && restored.height == original.height && restored != original)
        try session.keys("q")
    }

    @Test func aBadThemeIsAClearError() throws {
        let folder = try scratchFolder()
        try "title = red\nlabel = purple\n".write(toFile: folder + "/bad.theme", atomically: true, encoding: .utf8)
        let result = try runDNR(["explore", "--theme", folder + "/bad.theme"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("bad.theme:2: unknown colour \"purple\""), "\(result.standardError)")
        let missing = try runDNR(["explore", "--theme", "nonesuch"])
        #expect(missing.standardError.contains("no theme \"nonesuch\""))
    }

    @Test func withoutATerminalItPointsToRestore() throws {
        let result = try runDNR(["explore"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("dnr restore"))
    }
}
