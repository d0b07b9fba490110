import ArgumentParser
import Foundation
import MarsimReport

/// Runs a command that reads an untrusted HDF5 file in a child process, so a crash inside the HDF5
/// library becomes a one-line error instead of killing `marsim`.
///
/// Why: HDF5 1.10.8 itself crashes (SIGSEGV, SIGABRT) on some damaged metadata — about 5% of
/// random bit flips in a trace's first 30 KB crash in its global-heap or metadata-cache code —
/// which no caller can check beforehand. `marsim trace` and `marsim energy` therefore re-run
/// themselves as a child with the same arguments (standard output and error shared) and, if the
/// child dies of a signal, report that the file's HDF5 structures are damaged. The child does all
/// the work, so nothing is read twice; the cost is one process start.
///
/// Only the `marsim` executable enables this (`main.swift` sets `enabled`); commands run inside a
/// test process read in-process.
public enum CrashIsolation {
    /// Set by the `marsim` executable before it runs a command.
    nonisolated(unsafe) public static var enabled = false

    /// Marks the child, so it does the work itself.
    static let childVariable = "MARSIM_ISOLATED_CHILD"

    /// Runs `body` in this process when isolation is off or this is the child; otherwise re-runs the
    /// command line in a child and returns when it succeeded (exit 0), or throws: `ExitCode` with
    /// the child's status (it has printed its own error), or a `CLIError` when it died of a signal.
    static func run(reading file: String, _ body: () throws -> Void) throws {
        let environment = ProcessInfo.processInfo.environment
        guard enabled, environment[childVariable] == nil, let executable = executablePath() else {
            try body()
            return
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = Array(CommandLine.arguments.dropFirst())
        // No crash report from the child (Swift's backtracer, glibc's "free(): invalid pointer"):
        // its standard error goes to a file that is passed on only when it exits normally.
        child.environment = environment.merging([childVariable: "1", "SWIFT_BACKTRACE": "enable=no", "LIBC_FATAL_STDERR_": "1"]) { $1 }
        child.standardInput = FileHandle.nullDevice
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-child-\(getpid())-\(UUID().uuidString).err").path
        guard FileManager.default.createFile(atPath: errors, contents: nil), let errorHandle = FileHandle(forWritingAtPath: errors) else {
            try body()
            return
        }
        defer { unlink(errors) }
        child.standardError = errorHandle
        try child.run()
        child.waitUntilExit()
        try? errorHandle.close()
        switch child.terminationReason {
        case .exit:
            if let text = FileManager.default.contents(atPath: errors), !text.isEmpty { FileHandle.standardError.write(text) }
            if child.terminationStatus != 0 { throw ExitCode(child.terminationStatus) }
        case .uncaughtSignal:
            let signal = child.terminationStatus
            let name = signal == SIGSEGV ? "SIGSEGV" : signal == SIGABRT ? "SIGABRT" : signal == SIGBUS ? "SIGBUS" : "signal \(signal)"
            throw CLIError("\(file): reading it crashed the HDF5 library (\(name)): its HDF5 structures are damaged; marsim cannot read it")
        @unknown default:
            throw CLIError("\(file): reading it failed in a child process")
        }
    }

    /// This executable's path (Linux: /proc/self/exe; elsewhere: the first argument, resolved).
    private static func executablePath() -> String? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return Bundle.main.executablePath
    }
}
