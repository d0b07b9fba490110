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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = ["-m", "unittest", "discover", "-s", "scripts/tests", "-p", "test_convert_mc.py"]
        process.currentDirectoryURL = InspectCommandTests.repoRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("Ran 10 tests"), "\(text)")
    }
}
