import ArgumentParser
import Foundation
@testable import MarsimCLI
import MarsimTestSupport
import Testing

/// Every command's `--help` examples work: each example line that names only real files is run
/// with the built `marsim` from a scratch folder that sees the repository's checkpoints, profiles
/// and fixtures. Lines holding a placeholder (DIR, FILE) or marked `# slow:` are shown, not run.
@Suite("Help examples")
struct HelpExampleTests {
    /// One example: the command it belongs to and its arguments after `marsim`.
    struct Example: CustomStringConvertible {
        var command: String
        var arguments: [String]
        var description: String { "marsim " + arguments.joined(separator: " ") }
    }

    /// The placeholders that mark an example as a template rather than a runnable line.
    static let placeholders = ["DIR", "FILE"]

    /// The `marsim …` lines of a discussion text, continuation lines joined, comments, pipes and
    /// redirections cut. `runnable` is false for placeholder and `# slow:` lines.
    static func examples(command: String, discussion: String) -> [(example: Example, runnable: Bool)] {
        var joined: [String] = []
        var pending = ""
        for line in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasSuffix("\\") { pending += text.dropLast() + " "; continue }
            joined.append(pending + text)
            pending = ""
        }
        return joined.filter { $0.hasPrefix("marsim ") }.map { line in
            let slow = line.contains("# slow:")
            let code = line.split(separator: "#", maxSplits: 1).first.map(String.init) ?? line
            var words = shellWords(code)
            if let cut = words.firstIndex(where: { $0 == "|" || $0 == ">" }) { words = Array(words[..<cut]) }
            let template = words.contains { word in placeholders.contains { word.contains($0) } }
            return (Example(command: command, arguments: Array(words.dropFirst())), !slow && !template)
        }
    }

    /// Splits a command line into words: whitespace separates, double quotes group.
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = [], current = "", quoted = false, inWord = false
        for c in line {
            if c == "\"" { quoted.toggle(); inWord = true; continue }
            if c.isWhitespace && !quoted {
                if inWord { words.append(current); current = ""; inWord = false }
                continue
            }
            current.append(c)
            inWord = true
        }
        if inWord { words.append(current) }
        return words
    }

    /// Every subcommand's examples, in the order `marsim --help` lists the commands.
    static var allExamples: [(example: Example, runnable: Bool)] {
        MarsimCommand.configuration.subcommands.flatMap { type in
            examples(command: type.configuration.commandName ?? "", discussion: type.configuration.discussion)
        }
    }

    @Test("The example parser joins continuations, honours quotes, cuts pipes and spots templates")
    func parser() {
        let found = Self.examples(command: "x", discussion: """
            Examples:
              marsim simulate --text "The state space" \\
                  --mode dense
              marsim inspect --checkpoint DIR --json | jq .shape
              marsim bench --shape llamba-1b   # slow: minutes
            """)
        #expect(found.map(\.example.arguments) == [["simulate", "--text", "The state space", "--mode", "dense"],
                                                  ["inspect", "--checkpoint", "DIR", "--json"], ["bench", "--shape", "llamba-1b"]])
        #expect(found.map(\.runnable) == [true, false, false])
    }

    @Test("Every command's help has at least one runnable example, and each runnable example succeeds")
    func examplesRun() throws {
        let all = Self.allExamples
        // bench's quickest example still measures the machine's limits, minutes in a debug build.
        for type in MarsimCommand.configuration.subcommands where type != BenchCommand.self {
            let name = type.configuration.commandName ?? ""
            #expect(all.contains { $0.example.command == name && $0.runnable }, "marsim \(name) --help has no runnable example")
        }
        let dir = try TemporaryDirectory("help")
        defer { dir.remove() }
        let root = InspectCommandTests.repoRoot
        for folder in ["checkpoints", "hardware-profiles", "Tests"] {
            try FileManager.default.createSymbolicLink(at: dir.file(folder), withDestinationURL: root.appendingPathComponent(folder))
        }
        try FileManager.default.createDirectory(at: dir.file("traces"), withIntermediateDirectories: true)
        // The trace the trace/energy examples read, as README's demo writes it (shorter).
        let setup = ["simulate", "--text-file", "checkpoints/tiny-llamba-bytes/heldout.txt", "--limit", "32",
                     "--calibration-text", "checkpoints/tiny-llamba-bytes/heldout.txt", "--trace", "traces/demo.h5"]
        for arguments in [setup] + all.filter(\.runnable).map(\.example.arguments) {
            let (status, output) = try Self.run(arguments, in: dir.url)
            #expect(status == 0, "marsim \(arguments.joined(separator: " ")) exited \(status):\n\(output.suffix(2000))")
        }
    }

    /// Runs the built `marsim` with `arguments` in `directory`; returns its exit status and its
    /// output (stdout and stderr). Killed after six minutes: a hang, not a slow example on a busy
    /// machine (the output-rule calibration takes ~2 min in a debug build when the cores are shared).
    static func run(_ arguments: [String], in directory: URL) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = KillTests.marsim
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["MARSIM_CACHE_DIR"] = directory.appendingPathComponent("cache").path
        environment.removeValue(forKey: "MARSIM_HOME")
        process.environment = environment
        let log = directory.appendingPathComponent("example.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(360)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}
