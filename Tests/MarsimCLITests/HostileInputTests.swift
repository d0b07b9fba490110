import Foundation
@testable import MarsimCLI
import MarsimCore
import MarsimHDF5
import MarsimTestSupport
import MarsimTrace
import Testing

/// Command-level cases of issue 11 (parts 4–7): results that used to be silently wrong, traps,
/// hangs and multi-line errors, each run as a user would.
@Suite("Hostile inputs")
struct HostileInputTests {
    static let checkpoint = InspectCommandTests.tinyLlambaBytes.path

    /// A copy of the embedded checkpoint whose final norm holds `bits` (NaN or ±inf) at element 3.
    static func poisonedCheckpoint(_ dir: TemporaryDirectory, bits: UInt32 = 0x7FC0_0000) throws -> String {
        let path = try CLI.copyCheckpoint(to: dir)
        let url = URL(fileURLWithPath: path + "/model.safetensors")
        var data = try Data(contentsOf: url)
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: data[8 ..< 8 + headerLength]) as! [String: Any]
        let offsets = (header["model.final_layernorm.weight"] as! [String: Any])["data_offsets"] as! [Int]
        let at = 8 + headerLength + offsets[0] + 12
        withUnsafeBytes(of: bits.littleEndian) { data.replaceSubrange(at ..< at + 4, with: $0) }
        try data.write(to: url)
        return path
    }

    /// Runs the real binary; returns exit status, stdout and stderr (captured in files, so a
    /// process that blocks can still be stopped after `timeout`).
    static func binary(_ arguments: [String], timeout: TimeInterval = 60) throws -> (status: Int32, out: Data, err: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-out-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let process = Process()
        process.executableURL = KillTests.marsim
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let out = FileManager.default.contents(atPath: base + ".out") ?? Data()
        let err = FileManager.default.contents(atPath: base + ".err") ?? Data()
        return (process.terminationStatus, out, String(decoding: err, as: UTF8.self))
    }

    @Test func nonFiniteWeightsAreRefusedAtLoad() throws {
        let dir = try TemporaryDirectory("nan")
        defer { dir.remove() }
        let path = try Self.poisonedCheckpoint(dir)
        CLI.expectFailure(["simulate", "--checkpoint", path, "--text", "ab"], "model.final_layernorm.weight", "holds NaN at element 3", "--allow-nonfinite")
        let inf = try TemporaryDirectory("inf")
        defer { inf.remove() }
        CLI.expectFailure(["generate", "--checkpoint", try Self.poisonedCheckpoint(inf, bits: 0xFF80_0000), "--prompt", "ab"], "holds -inf at element 3")
    }

    /// With --allow-nonfinite the NaN logits are reported as such: simulate says the fidelity is
    /// undefined (it printed KL 0.0000 and top-1 100%), generate stops instead of printing NUL
    /// bytes, eval --json fails with one line instead of an internal EncodingError.
    @Test func allowedNonFiniteWeightsAreReportedNotHidden() throws {
        let dir = try TemporaryDirectory("allowed")
        defer { dir.remove() }
        let path = try Self.poisonedCheckpoint(dir)
        let json = try Self.binary(["simulate", "--checkpoint", path, "--allow-nonfinite", "--text", "abcd", "--json"])
        #expect(json.status == 0, "\(json.err)")
        let report = try JSONSerialization.jsonObject(with: json.out) as! [String: Any]
        #expect(report["non_finite_logit_tokens"] as? Int == 4 && report["first_non_finite_token"] as? Int == 0)
        #expect(report["kl_mean"] == nil && report["top1_agreement"] == nil, "undefined values are left out, not 0")
        #expect(json.err.contains("warning: non-finite logits at 4 of 4 tokens"))
        let table = try Self.binary(["simulate", "--checkpoint", path, "--allow-nonfinite", "--text", "abcd", "--mode", "dense"])
        let text = String(decoding: table.out, as: UTF8.self)
        #expect(text.contains("UNDEFINED: non-finite logits (NaN or ±inf) at 4 of 4 tokens") && !text.contains("KL(dense‖spiking) 0.0000"), "\(text)")

        let generate = try Self.binary(["generate", "--checkpoint", path, "--allow-nonfinite", "--prompt", "ab", "--tokens", "5"])
        #expect(generate.status != 0 && generate.err.contains("logits are not finite") && !generate.out.contains(0))
        let tasks = InspectCommandTests.repoRoot.appendingPathComponent("Tests/Fixtures/mc/pydoc-mc.jsonl").path
        let eval = try Self.binary(["eval", "--checkpoint", path, "--allow-nonfinite", "--tasks", tasks, "--limit", "2", "--mode", "dense", "--json"])
        #expect(eval.status != 0 && eval.err.contains("non-finite log-likelihoods (NaN or ±inf) for 2 of 2 items"), "\(eval.err)")
        #expect(!eval.err.contains("EncodingError"))
    }

    /// A FIFO given as a trace used to block `marsim trace` forever.
    @Test func fifoAsTraceArgumentIsRefusedAtOnce() throws {
        let dir = try TemporaryDirectory("fifo")
        defer { dir.remove() }
        let fifo = dir.file("trace.h5").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let start = Date()
        let result = try Self.binary(["trace", fifo], timeout: 20)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(result.status != 0 && result.err.contains("it is a FIFO (named pipe), not a file"), "\(result.err)")
        CLI.expectFailure(["energy", fifo], "FIFO")
        CLI.expectFailure(["simulate", "--checkpoint", Self.checkpoint, "--text-file", fifo], "the text file is a FIFO")
    }

    @Test func emptyTextFileSaysEmpty() throws {
        let dir = try TemporaryDirectory("empty")
        defer { dir.remove() }
        let empty = dir.file("empty.txt").path
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        CLI.expectFailure(["simulate", "--checkpoint", Self.checkpoint, "--text-file", empty], "\(empty): the text file is empty")
        CLI.expectFailure(["simulate", "--checkpoint", Self.checkpoint, "--text-file", dir.file("absent.txt").path], "absent.txt: no such file")
    }

    /// Foundation's file errors become "<file>: <reason>", never an NSCocoaErrorDomain dump
    /// (`CLIError.wrap` itself: MarsimReportTests).
    @Test func foundationErrorsAreOneLine() throws {
        // Through a command: a task file that is a directory.
        let dir = try TemporaryDirectory("dir")
        defer { dir.remove() }
        CLI.expectFailure(["eval", "--checkpoint", Self.checkpoint, "--tasks", dir.url.path], "the task file is a directory")
        CLI.expectFailure(["tokenize", "--tokenizer", dir.url.path, "--text", "a"], "the tokenizer file is a directory")
        CLI.expectFailure(["whatif", "--checkpoint", Self.checkpoint, "--text-file", Self.checkpoint + "/heldout.txt",
                           "--out", Self.checkpoint + "/config.json/sub"], "config.json/sub: cannot create the --out folder: a parent of it is a file")
    }

    /// Profile prices whose products overflow give an error, not "0 J" and "-nan×".
    @Test func infiniteEnergyIsAnError() throws {
        let dir = try TemporaryDirectory("inf-energy")
        defer { dir.remove() }
        let trace = dir.file("t.h5").path
        try CLI.run(["simulate", "--checkpoint", Self.checkpoint, "--text", "abc", "--trace", trace, "--trace-level", "counts"])
        let shipped = try String(contentsOf: InspectCommandTests.repoRoot.appendingPathComponent("hardware-profiles/horowitz-45nm-compute.toml"),
                                 encoding: .utf8)
        let profile = dir.file("huge.toml").path
        let huge = shipped.replacingOccurrences(of: #"mac( *)= \{ value = "4.6 pJ""#, with: #"mac = { value = "1e305 J""#, options: .regularExpression)
        #expect(huge.contains("1e305 J"))
        try huge.write(toFile: profile, atomically: true, encoding: .utf8)
        CLI.expectFailure(["energy", trace, "--profile", profile], "under profile horowitz-45nm-compute is not a finite number")
    }

    /// `--plot` of a trace with a node id of 2^64 − 1 (it trapped) or a NaN tick period.
    @Test func plotsOfHostileTracesFailWithOneLine() throws {
        let dir = try TemporaryDirectory("plot")
        defer { dir.remove() }
        let trace = dir.file("t.h5").path
        try CLI.run(["simulate", "--checkpoint", Self.checkpoint, "--text", "abc", "--timesteps", "2", "--trace", trace])
        let file = try H5File(opening: trace, mode: .readWrite)
        let ids = try file.openDataset("spikes/layer00.mixer.in_proj/node_ids")
        var values = try ids.read(as: UInt64.self)
        values[0] = .max
        try ids.write(values)
        try file.close()
        CLI.expectFailure(["trace", trace, "--plot", dir.file("p.svg").path], "node_ids holds 18446744073709551615")
        let period = dir.file("period.h5").path
        try CLI.run(["simulate", "--checkpoint", Self.checkpoint, "--text", "abc", "--timesteps", "2", "--trace", period])
        let edit = try H5File(opening: period, mode: .readWrite)
        try edit.openGroup("marsim").setAttribute("tick_period_ms", Double.nan)
        try edit.close()
        CLI.expectFailure(["trace", period, "--plot", dir.file("q.svg").path], "tick period nan ms is not a positive number")
        CLI.expectFailure(["energy", period], "tick period nan ms is not a positive number")
        #expect(!FileManager.default.fileExists(atPath: dir.file("p.svg").path))
    }

    /// SIGINT (or SIGTERM) during `whatif` writes the results of the configurations that finished
    /// and keeps the running one's trace, marked incomplete (it used to die with nothing written).
    @Test(arguments: [SIGINT, SIGTERM])
    func whatifStopsCleanlyOnASignal(signal: Int32) throws {
        let dir = try TemporaryDirectory("stop")
        defer { dir.remove() }
        let out = dir.file("study").path
        let text = InspectCommandTests.tinyLlambaBytes.appendingPathComponent("heldout.txt").path
        let process = Process()
        process.executableURL = KillTests.marsim
        process.arguments = ["whatif", "--checkpoint", Self.checkpoint, "--text-file", text, "--limit", "60", "--timesteps", "1,2,3,4,5,6,7,8",
                             "--placement", "all", "--profile", "horowitz-45nm-compute", "--out", out]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Wait until two spiking configurations have finished (their traces exist), then signal.
        let traces = out + "/traces"
        let deadline = Date().addingTimeInterval(120)
        func finished() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: traces)) ?? []).filter { $0.hasSuffix(".h5") && $0.hasPrefix("T") }
        }
        while finished().count < 2 && process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        kill(process.processIdentifier, signal)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(message)")
        #expect(message.contains("interrupted:") && message.contains("configurations finished"), "\(message)")
        let lines = try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n")
        let traceColumn = try #require(lines.first?.split(separator: ",").firstIndex(of: "trace"))
        let rows = lines.dropFirst()
        let finishedCount = rows.filter { !$0.hasPrefix("dense,") }.count
        #expect(finishedCount >= 2 && finishedCount < 8, "\(rows.count) rows")
        for row in rows {
            let trace = String(row.split(separator: ",", omittingEmptySubsequences: false)[traceColumn])
            #expect(try TraceReader(path: trace).isComplete, "a costed configuration's trace is complete")
        }
        let incomplete = try FileManager.default.contentsOfDirectory(atPath: traces).filter { $0.hasSuffix(".h5") }
            .map { try TraceReader(path: traces + "/" + $0) }.filter { !$0.isComplete }
        #expect(incomplete.count == 1, "the running configuration's trace is kept, marked incomplete")
        #expect(try FileManager.default.contentsOfDirectory(atPath: traces).allSatisfy { !$0.hasSuffix(".partial") })
    }
}

/// `marsim trace` and `marsim energy` read a file in a child process, so a crash inside HDF5 on
/// damaged metadata (which no caller can prevent) is one line, not a dead `marsim`.
@Suite("Crash isolation")
struct CrashIsolationTests {
    @Test func hdf5CrashesBecomeOneLineErrors() throws {
        let dir = try TemporaryDirectory("crash")
        defer { dir.remove() }
        let trace = dir.file("t.h5").path
        let made = try HostileInputTests.binary(["simulate", "--checkpoint", HostileInputTests.checkpoint, "--text", "hello, hostile world",
                                                 "--timesteps", "2", "--trace", trace])
        #expect(made.status == 0, "\(made.err)")
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: trace)))
        var random = SplitMix64(seed: 0x6372_6173_68)  // "crash"
        let damaged = dir.file("damaged.h5").path
        var crashes = 0, attempts = 0
        // About 1 in 20 single-bit flips in the first 30 KB (HDF5's metadata) crashes HDF5 1.10.8.
        while crashes == 0 && attempts < 300 {
            attempts += 1
            var bytes = original
            for _ in 0..<(1 + random.below(4)) {
                bytes[random.below(min(bytes.count, 30_000))] ^= UInt8(1) << UInt8(random.below(8))
            }
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            let result = try HostileInputTests.binary([attempts % 2 == 0 ? "trace" : "energy", damaged], timeout: 30)
            let lines = result.err.split(separator: "\n")
            #expect(result.status == 0 || (lines.filter { $0.hasPrefix("Error:") }.count == 1), "attempt \(attempts): \(result.err)")
            #expect(!result.err.contains("Program crashed") && !result.err.contains("free():"), "attempt \(attempts): \(result.err)")
            if result.err.contains("crashed the HDF5 library") {
                crashes += 1
                #expect(result.status == 1 && result.err.contains(damaged) && result.err.contains("its HDF5 structures are damaged"))
            }
        }
        print("crash isolation: first HDF5 crash after \(attempts) damaged files")
        #expect(crashes == 1, "no damaged file crashed HDF5 in \(attempts) attempts")
    }
}
