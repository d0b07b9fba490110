import Foundation
@testable import MarsimCLI
import MarsimCore
import MarsimTestSupport
import MarsimTrace
import Testing

/// Outputs never destroy inputs or other data (issue 11, part 2 and 3): each case is a command that
/// used to overwrite, truncate or replace something, and must now fail with one line and leave
/// every file as it was — or, for a successful run, replace its target only when finished.
@Suite("Output safety")
struct OutputSafetyTests {
    static let checkpoint = InspectCommandTests.tinyLlambaBytes.path

    /// A finished trace at `path` (a short simulate run).
    static func writeTrace(_ path: String) throws {
        try CLI.run(["simulate", "--checkpoint", checkpoint, "--text", "abc", "--timesteps", "2", "--trace", path, "--trace-level", "counts"])
    }

    @Test func runFailingLateLeavesAnExistingTraceAlone() throws {
        let dir = try TemporaryDirectory("late")
        defer { dir.remove() }
        let trace = dir.file("old.h5").path
        try Self.writeTrace(trace)
        let before = CLI.bytes(trace)
        // --save-logits into a missing folder: refused before anything is written.
        CLI.expectFailure(["simulate", "--checkpoint", Self.checkpoint, "--text", "abcdef", "--trace", trace,
                           "--save-logits", dir.file("missing/logits.safetensors").path], "missing", "does not exist")
        // A threshold scale that overflows every threshold to infinity.
        CLI.expectFailure(["simulate", "--checkpoint", Self.checkpoint, "--text", "abcdef", "--trace", trace,
                           "--threshold-scale", "3e38", "--threshold", "2"], "not a positive finite number", "--threshold-scale")
        #expect(CLI.bytes(trace) == before, "the existing trace must be untouched")
        #expect(try TraceReader(path: trace).isComplete)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["old.h5"], "no temporary or journal file is left")
    }

    @Test func outputsMayNotBeInputs() throws {
        let dir = try TemporaryDirectory("inputs")
        defer { dir.remove() }
        let checkpoint = try CLI.copyCheckpoint(to: dir)
        let weights = checkpoint + "/model.safetensors"
        let text = dir.file("text.txt").path
        try "some text to run".write(toFile: text, atomically: true, encoding: .utf8)
        let weightsBefore = CLI.bytes(weights), textBefore = CLI.bytes(text)
        CLI.expectFailure(["simulate", "--checkpoint", checkpoint, "--text", "ab", "--trace", weights], weights,
                          "would overwrite the checkpoint file model.safetensors")
        CLI.expectFailure(["simulate", "--checkpoint", checkpoint, "--text", "ab", "--save-logits", weights],
                          "would overwrite the checkpoint file model.safetensors")
        CLI.expectFailure(["simulate", "--checkpoint", checkpoint, "--text-file", text, "--trace", text],
                          "the --trace file would overwrite the --text-file")
        // Another spelling of the same file, and a hard link to it, are the same file.
        let link = dir.file("hard-link.txt").path
        try FileManager.default.linkItem(atPath: text, toPath: link)
        CLI.expectFailure(["simulate", "--checkpoint", checkpoint, "--text-file", dir.url.path + "/./text.txt", "--save-logits", link],
                          "would overwrite the --text-file")
        #expect(CLI.bytes(weights) == weightsBefore && CLI.bytes(text) == textBefore)
    }

    @Test func twoOutputsMayNotBeOneFile() throws {
        let dir = try TemporaryDirectory("same")
        defer { dir.remove() }
        let path = dir.file("both.out").path
        CLI.expectFailure(["simulate", "--checkpoint", Self.checkpoint, "--text", "ab", "--trace", path, "--save-logits", path],
                          "the --save-logits file and the --trace file are the same file")
        CLI.expectFailure(["simulate", "--checkpoint", Self.checkpoint, "--text", "ab", "--trace", path,
                           "--save-logits", path + ".partial"], "are the same file")
        #expect(!FileManager.default.fileExists(atPath: path))
        // `trace X --plot X` would replace the trace with its own picture.
        let trace = dir.file("t.h5").path
        try Self.writeTrace(trace)
        let before = CLI.bytes(trace)
        CLI.expectFailure(["trace", trace, "--plot", trace], "the --plot file would overwrite the trace")
        #expect(CLI.bytes(trace) == before)
    }

    @Test func symbolicLinksAndDevicesAreNeverReplaced() throws {
        let dir = try TemporaryDirectory("links")
        defer { dir.remove() }
        let target = dir.file("target.txt").path
        try "precious".write(toFile: target, atomically: true, encoding: .utf8)
        let link = dir.file("link.safetensors").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        CLI.expectFailure(["simulate", "--checkpoint", Self.checkpoint, "--text", "ab", "--save-logits", link], "is a symbolic link")
        let trace = dir.file("t.h5").path
        try Self.writeTrace(trace)
        let svgLink = dir.file("plot.svg").path
        try FileManager.default.createSymbolicLink(atPath: svgLink, withDestinationPath: target)
        CLI.expectFailure(["trace", trace, "--plot", svgLink], "is a symbolic link")
        CLI.expectFailure(["trace", trace, "--plot", "/dev/null"], "not a regular file")
        CLI.expectFailure(["simulate", "--checkpoint", Self.checkpoint, "--text", "ab", "--save-logits", "/dev/null"], "not a regular file")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: svgLink) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious")
        var info = stat()
        #expect(lstat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "/dev/null is still a device")
    }

    /// A successful run replaces its outputs whole: the logits file appears only when finished, and
    /// a run stopped early still leaves a valid safetensors file of the rows it computed.
    @Test func logitsAreWrittenWholeOrNotAtAll() throws {
        let dir = try TemporaryDirectory("logits")
        defer { dir.remove() }
        let logits = dir.file("logits.safetensors").path
        try "old".write(toFile: logits, atomically: true, encoding: .utf8)
        try CLI.run(["simulate", "--checkpoint", Self.checkpoint, "--text", "abcd", "--mode", "dense", "--save-logits", logits])
        let data = try #require(CLI.bytes(logits))
        #expect(data.count == 8 + Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }) + 4 * 256 * 4)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["logits.safetensors"])
    }

    /// A full disk (here: a file-size limit, which fails writes the same way) while writing logits
    /// leaves neither a truncated file nor a temporary one, and the old file stays.
    @Test func fullDiskLeavesNoTruncatedLogits() throws {
        let dir = try TemporaryDirectory("full")
        defer { dir.remove() }
        let logits = dir.file("logits.safetensors").path
        try "old logits".write(toFile: logits, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 200 KiB limit: the 2,049-token × 256 logits (2 MB) cannot fit.
        process.arguments = ["-c", "ulimit -f 200; exec \"$0\" simulate --checkpoint \"$1\" --text-file \"$2\" --mode dense --save-logits \"$3\"",
                             KillTests.marsim.path, Self.checkpoint, InspectCommandTests.tinyLlambaBytes.appendingPathComponent("heldout.txt").path, logits]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus != 0, "\(message)")
        #expect(message.contains(logits) && message.contains("File too large") && message.contains("the file was not changed"), "\(message)")
        #expect(message.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1)
        #expect(try String(contentsOfFile: logits, encoding: .utf8) == "old logits")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["logits.safetensors"])
    }

    @Test func whatifRefusesANonEmptyFolderUnlessOverwrite() throws {
        let dir = try TemporaryDirectory("whatif")
        defer { dir.remove() }
        let out = dir.file("study").path
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let results = out + "/results.csv"
        try "my earlier results".write(toFile: results, atomically: true, encoding: .utf8)
        let text = InspectCommandTests.tinyLlambaBytes.appendingPathComponent("heldout.txt").path
        let arguments = ["whatif", "--checkpoint", Self.checkpoint, "--text-file", text, "--limit", "12", "--timesteps", "1",
                         "--placement", "mixer", "--profile", "horowitz-45nm-compute", "--out", out]
        CLI.expectFailure(arguments, "--out is not empty", "--overwrite")
        #expect(try String(contentsOfFile: results, encoding: .utf8) == "my earlier results")
        try CLI.run(arguments + ["--overwrite"])
        #expect(try String(contentsOfFile: results, encoding: .utf8).hasPrefix("configuration,"))
        CLI.expectFailure(["whatif", "--checkpoint", Self.checkpoint, "--text-file", text, "--out", results], "must be a folder")
    }

    /// A profile's `name` becomes part of file names: `../../../x` must not write outside --out.
    @Test func profileNamesCannotLeaveTheOutputFolder() throws {
        let dir = try TemporaryDirectory("names")
        defer { dir.remove() }
        let shipped = try String(contentsOf: InspectCommandTests.repoRoot.appendingPathComponent("hardware-profiles/horowitz-45nm-compute.toml"),
                                 encoding: .utf8)
        let profile = dir.file("evil.toml").path
        try shipped.replacingOccurrences(of: "name = \"horowitz-45nm-compute\"", with: "name = \"../../../escaped\"")
            .write(toFile: profile, atomically: true, encoding: .utf8)
        #expect(try String(contentsOfFile: profile, encoding: .utf8).contains("../../../escaped"))
        let out = dir.file("deep/a/b/out").path
        let text = InspectCommandTests.tinyLlambaBytes.appendingPathComponent("heldout.txt").path
        try CLI.run(["whatif", "--checkpoint", Self.checkpoint, "--text-file", text, "--limit", "8", "--timesteps", "1",
                     "--placement", "mlp", "--profile", profile, "--out", out])
        let written = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        let name = sanitizedFileName("../../../escaped")
        #expect(name == "_._.._.._escaped")
        #expect(written == ["break-even-\(name).svg", "breakdown-\(name).svg", "energy-vs-fidelity-\(name).svg", "results.csv", "traces"])
        let escaped = try FileManager.default.subpathsOfDirectory(atPath: dir.url.path).filter { $0.contains("escaped") }
        #expect(escaped.allSatisfy { $0.hasPrefix("deep/a/b/out/") }, "\(escaped)")
    }

    @Test func aSecondRunOnATraceBeingWrittenIsRefused() throws {
        let dir = try TemporaryDirectory("busy")
        defer { dir.remove() }
        let trace = dir.file("busy.h5").path
        try Self.writeTrace(trace)
        let before = CLI.bytes(trace)
        // A journal beside the trace is what a live (or killed) run leaves.
        let run = try TraceReader(path: trace)
        let writer = try TraceWriter(path: trace, metadata: run.metadata, level: .counts)
        CLI.expectFailure(["simulate", "--checkpoint", Self.checkpoint, "--text", "ab", "--trace", trace], "another marsim run is writing it")
        _ = writer.abandon()
        #expect(CLI.bytes(trace) == before)
    }
}
