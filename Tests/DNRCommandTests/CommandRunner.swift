import Foundation
import TestSupport

/// Runs the built `dnr` executable, which sits beside the test bundle in the build folder.
struct CommandResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

func dnrExecutable() -> String {
    var folder = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).deletingLastPathComponent()
    // The test binary may sit inside a bundle folder (name.xctest/...); walk up to the build folder.
    while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("dnr").path) && folder.path != "/" {
        folder.deleteLastPathComponent()
    }
    return folder.appendingPathComponent("dnr").path
}

/// `environment` replaces variables of this process's environment (nil removes one).
func runDNR(_ arguments: [String], environment: [String: String?] = [:], directory: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: dnrExecutable())
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if !environment.isEmpty {
        var merged = ProcessInfo.processInfo.environment
        for (name, value) in environment { merged[name] = value }
        process.environment = merged
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         standardOutput: String(decoding: outData, as: UTF8.self),
                         standardError: String(decoding: errData, as: UTF8.self))
}
