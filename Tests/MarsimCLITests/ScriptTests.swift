import Foundation
import Testing

/// The Python helper scripts' own tests (scripts/tests), run when a `python3` is on PATH. Without
/// one they are skipped (README says so): the scripts are optional, marsim itself needs no Python.
@Suite("Helper scripts")
struct ScriptTests {
    /// The first `python3` on PATH, if any.
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test("convert_mc.py converts each task's original and Hugging Face fields, and fails clearly",
          .enabled(if: python != nil, "no python3 on PATH: scripts/tests skipped"))
    func convertMultipleChoice() throws {
        let (status, text) = try Self.runPython(["-m", "unittest", "discover", "-s", "scripts/tests", "-p", "test_convert_mc.py"])
        #expect(status == 0, "\(text)")
        #expect(text.contains("Ran 10 tests"), "\(text)")
    }

    /// Runs `python3 arguments` in the repository root; returns its exit status and its output
    /// (stdout and stderr together).
    static func runPython(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python!)
        process.arguments = arguments
        process.currentDirectoryURL = InspectCommandTests.repoRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
