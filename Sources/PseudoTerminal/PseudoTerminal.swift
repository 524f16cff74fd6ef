import CNcursesw
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program run on a pseudo-terminal that this side plays the terminal of: it reads everything
/// the program writes, answers its queries, and types keys. Used by the explorer's terminal tests
/// (a fake sixel terminal) and by its latency benchmark.
public final class PseudoTerminal {
    public enum Failure: Error, CustomStringConvertible {
        case system(String)
        public var description: String { switch self { case .system(let s): s } }
    }

    public let pid: pid_t
    let master: Int32
    public private(set) var output: [UInt8] = []
    private var exitStatus: Int32?

    /// Starts `executable` with the terminal's slave side as its standard input, output and error.
    /// Pixel sizes of 0 leave the kernel's window pixel fields empty, as many terminals do.
    public init(executable: String, arguments: [String], environment: [String: String] = [:], columns: Int = 160, rows: Int = 50,
                cellWidth: Int = 0, cellHeight: Int = 0) throws {
        var master: Int32 = -1, slave: Int32 = -1
        guard dnr_open_pseudo_terminal(&master, &slave, Int32(columns), Int32(rows), Int32(columns * cellWidth), Int32(rows * cellHeight)) == 0 else {
            throw Failure.system("cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_adddup2(&actions, slave, fd) }
        posix_spawn_file_actions_addclose(&actions, master)
        posix_spawn_file_actions_addclose(&actions, slave)
        var attributes = posix_spawnattr_t()
        cleanSignalAttributes(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        env["COLORTERM"] = nil
        for (k, v) in environment { env[k] = v }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(slave)
        guard status == 0 else {
            close(master)
            throw Failure.system("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        self.master = master
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        close(master)
    }

    /// Resizes the window, as a user dragging its corner does (the program gets SIGWINCH).
    public func resize(columns: Int, rows: Int) {
        _ = dnr_set_window_size(master, Int32(columns), Int32(rows))
    }

    /// Types `text` at the terminal.
    public func send(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(master, &bytes, bytes.count)
    }

    /// Reads what the program writes for up to `seconds`, until `condition` holds for the output so
    /// far; `respond` sees each new chunk (with everything before it) and may answer. True when the
    /// condition was met.
    @discardableResult
    public func read(seconds: Double, respond: ((_ output: [UInt8], _ terminal: PseudoTerminal) -> Void)? = nil,
                     until condition: ([UInt8]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !condition(output) {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return false }
            var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(min(left, 0.1) * 1000) + 1) > 0 else {
                if exited { return condition(output) }
                continue
            }
            let n = Glibc.read(master, &buffer, buffer.count)
            if n > 0 {
                output += buffer[0..<n]
                respond?(output, self)
            } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                return condition(output)  // the program closed the terminal
            }
        }
        return true
    }

    /// Whether the program has exited (reaps it).
    public var exited: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status; return true }
        return false
    }

    /// Waits up to `seconds` for the program to exit, reading its output meanwhile; its exit code,
    /// or nil when it is still running (it is then killed).
    public func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            read(seconds: 0.1) { _ in false }
            if exited, let status = exitStatus { return (status >> 8) & 0xff }
        }
        kill(pid, SIGKILL)
        return nil
    }

    /// Clears the recorded output (to measure what comes after).
    public func forgetOutput() { output.removeAll() }
}

/// Initialises posix_spawn attributes that give the child an empty signal mask and the default
/// handlers for the usual termination signals: a test runner's blocked or ignored signals must not
/// reach the program under test. The caller destroys them.
public func cleanSignalAttributes(_ attributes: inout posix_spawnattr_t) {
    posix_spawnattr_init(&attributes)
    var empty = sigset_t(), defaults = sigset_t()
    sigemptyset(&empty)
    sigemptyset(&defaults)
    for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    public func contains(bytes needle: String) -> Bool { occurrences(of: needle) > 0 }

    /// How often `needle` occurs (non-overlapping).
    public func occurrences(of needle: String) -> Int {
        let n = Array(needle.utf8)
        guard !n.isEmpty, n.count <= count else { return 0 }
        var found = 0, i = 0
        while i <= count - n.count {
            if self[i] == n[0] && Array(self[i..<(i + n.count)]) == n { found += 1; i += n.count } else { i += 1 }
        }
        return found
    }
}
