import Foundation
@testable import MarsimCLI
import MarsimHDF5
import MarsimReport
import MarsimStudy
import MarsimTestSupport
import MarsimTrace
import Testing

/// `--shard K/N` then `marsim merge` writes exactly what the unsharded command writes, and every
/// bad merge stops with one clear line.
@Suite(.serialized) struct ShardedStudyTests {
    static let checkpoint = InspectCommandTests.tinyLlambaBytes.path
    static let whatif = ["whatif", "--checkpoint", checkpoint, "--text-file", checkpoint + "/heldout.txt", "--limit", "24",
                         "--timesteps", "1,2", "--placement", "mixer,all", "--profile", "horowitz-45nm-memory",
                         "--profile", "loihi-like", "--threads", "1"]
    static let eval = ["eval", "--checkpoint", checkpoint, "--tasks", repoRoot + "/Tests/Fixtures/mc/pydoc-mc.jsonl", "--limit", "5",
                       "-T", "4", "--calibration-text", checkpoint + "/heldout.txt", "--calibration-limit", "128",
                       "--profile", "loihi-like", "--threads", "1"]
    static var repoRoot: String { InspectCommandTests.tinyLlambaBytes.deletingLastPathComponent().deletingLastPathComponent().path }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// Runs the built `marsim` with `arguments` in a child process: the studies map checkpoints and
    /// build traces, which in-process would disturb the streaming-memory test's peak-RSS reading.
    static func marsim(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = KillTests.marsim
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw CLIError("marsim \(arguments.first ?? "") failed (\(process.terminationStatus)): \(message)")
        }
    }

    @Test func whatifShardsMergeIntoTheUnshardedStudy() throws {
        let dir = try TemporaryDirectory("whatif")
        defer { dir.remove() }
        let root = dir.url.path
        try Self.marsim(Self.whatif + ["--out", root + "/full"])
        for k in [2, 0, 1] { try Self.marsim(Self.whatif + ["--out", root + "/shards/shard-\(k)", "--shard", "\(k)/3"]) }
        // Each shard ran only its share: 5 units (dense + 4 configurations), round-robin over 3.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/shards/shard-1/traces").sorted() == ["T1-mixer-x1.0.h5", "T2-all-x1.0.h5"])
        #expect(!FileManager.default.fileExists(atPath: root + "/shards/shard-0/results.csv"))
        try Self.marsim(["merge", "--out", root + "/merged", root + "/shards"])

        let full = try text(root + "/full/results.csv"), merged = try text(root + "/merged/results.csv")
        #expect(full.split(separator: "\n").count == 1 + 5 * 2)
        #expect(merged.replacingOccurrences(of: root + "/merged/", with: "OUT/") == full.replacingOccurrences(of: root + "/full/", with: "OUT/"))
        for profile in ["horowitz-45nm-memory", "loihi-like"] {
            for plot in ["energy-vs-fidelity-\(profile).svg", "breakdown-\(profile).svg", "break-even-\(profile).svg"] {
                #expect(CLI.bytes(root + "/merged/" + plot) == CLI.bytes(root + "/full/" + plot), "\(plot)")
            }
        }
        // Traces: virtual datasets over the shards' files, reading the same values as the unsharded run's.
        for name in ["dense", "T1-mixer-x1.0", "T1-all-x1.0", "T2-mixer-x1.0", "T2-all-x1.0"] {
            let mergedPath = root + "/merged/traces/\(name).h5"
            #expect(try H5File(opening: mergedPath).openDataset("/marsim/counts/acs").storageLayout() == .virtual)
            let a = try TraceReader(path: root + "/full/traces/\(name).h5"), b = try TraceReader(path: mergedPath)
            #expect(try a.counts() == b.counts(), "\(name)")
            #expect(try a.fidelity() == b.fidelity(), "\(name)")
            #expect(try a.sharedWeightReads() == b.sharedWeightReads(), "\(name)")
            #expect(a.metadata.thresholds == b.metadata.thresholds && a.metadata.denseBaseline == b.metadata.denseBaseline)
        }
    }

    @Test func evalShardsMergeIntoTheUnshardedResults() throws {
        let dir = try TemporaryDirectory("eval")
        defer { dir.remove() }
        let root = dir.url.path
        try Self.marsim(Self.eval + ["--output-path", root + "/full"])
        for k in 0..<3 { try Self.marsim(Self.eval + ["--output-path", root + "/shards/s\(k)", "--shard", "\(k)/3"]) }
        try Self.marsim(["merge", "--out", root + "/merged", root + "/shards/s0", root + "/shards/s1", root + "/shards/s2"])
        #expect(CLI.bytes(root + "/full/results.json") == CLI.bytes(root + "/merged/results.json"))

        // The lm-eval shape, and accuracy recomputed from the items: acc ± sqrt(p(1−p)/(n−1)).
        let bytes = try #require(CLI.bytes(root + "/merged/results.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        let task = try #require((json["results"] as? [String: Any])?["pydoc-mc"] as? [String: Any])
        let acc = try #require(task["acc,none"] as? Double)
        #expect(abs(acc * 5 - (acc * 5).rounded()) < 1e-12)
        let stderr = try #require(task["acc_stderr,none"] as? Double)
        #expect(abs(stderr - (acc * (1 - acc) / 4).squareRoot()) < 1e-12)
        #expect(task["acc_norm,none"] is Double && task["acc_norm_stderr,none"] is Double)
        #expect((json["n-samples"] as? [String: [String: Int]])?["pydoc-mc"] == ["original": 24, "effective": 5])
        #expect((json["versions"] as? [String: Double])?["pydoc-mc"] == 1.0)
        #expect((json["config"] as? [String: Any])?["model"] as? String == "marsim")
        let marsim = try #require(json["marsim"] as? [String: Any])
        let spiking = try #require(marsim["spiking"] as? [String: Any])
        #expect(spiking["acc"] as? Double == acc)
        let energy = try #require((spiking["energy"] as? [[String: Any]])?.first)
        #expect(energy["profile"] as? String == "loihi-like" && (energy["joules_per_token"] as? Double ?? 0) > 0)
        // The dense model gets 3 of these 5 items right (acc 0.6): a non-degenerate standard error.
        let dense = try #require(marsim["dense"] as? [String: Any])
        #expect(dense["acc"] as? Double == 0.6)
        #expect(abs((dense["acc_stderr"] as? Double ?? 0) - (0.6 * 0.4 / 4).squareRoot()) < 1e-12)
    }

    /// Two tasks × two T's in one run: shards (which split the tasks' items as one list) merge into
    /// the unsharded file, and each task-at-T result equals that task scored alone at that T.
    @Test func multiTaskMultiTEvalShardsMergeAndEqualSingleRuns() throws {
        let dir = try TemporaryDirectory("eval-multi")
        defer { dir.remove() }
        let root = dir.url.path
        let fixture = Self.repoRoot + "/Tests/Fixtures/mc/pydoc-mc.jsonl"
        let second = root + "/second-task.jsonl"
        let lines = try text(fixture).split(separator: "\n")
        try (lines[5..<9].joined(separator: "\n") + "\n").write(toFile: second, atomically: true, encoding: .utf8)
        let common = ["eval", "--checkpoint", Self.checkpoint, "--limit", "2", "--calibration-text", Self.checkpoint + "/heldout.txt",
                      "--calibration-limit", "128", "--profile", "loihi-like", "--threads", "1"]
        let both = common + ["--tasks", fixture + "," + second, "-T", "1,2"]
        try Self.marsim(both + ["--output-path", root + "/full"])
        for k in 0..<3 { try Self.marsim(both + ["--output-path", root + "/shards/s\(k)", "--shard", "\(k)/3"]) }
        try Self.marsim(["merge", "--out", root + "/merged", root + "/shards"])
        #expect(CLI.bytes(root + "/full/results.json") == CLI.bytes(root + "/merged/results.json"))
        try Self.marsim(common + ["--tasks", second, "-T", "2", "--output-path", root + "/single"])

        func json(_ path: String) throws -> [String: Any] {
            let bytes = try #require(CLI.bytes(path))
            return try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        }
        let multi = try json(root + "/full/results.json"), single = try json(root + "/single/results.json")
        let results = try #require(multi["results"] as? [String: [String: Any]])
        #expect(results.keys.sorted() == ["pydoc-mc_T1", "pydoc-mc_T2", "second-task_T1", "second-task_T2"])
        #expect(results["second-task_T2"]?["alias"] as? String == "second-task (T=2)")
        #expect((multi["n-samples"] as? [String: [String: Int]])?["second-task_T1"] == ["original": 4, "effective": 2])
        let metadata = (multi["configs"] as? [String: [String: Any]])?["pydoc-mc_T1"]?["metadata"] as? [String: Any]
        #expect(metadata?["timesteps"] as? Int == 1)
        let alone = try #require((single["results"] as? [String: [String: Any]])?["second-task"])
        for metric in ["acc,none", "acc_stderr,none", "acc_norm,none", "acc_norm_stderr,none"] {
            #expect(results["second-task_T2"]?[metric] as? Double == alone[metric] as? Double, "\(metric)")
        }
        let runs = try #require((multi["marsim"] as? [String: Any])?["runs"] as? [String: [String: Any]])
        let singleMarsim = try #require(single["marsim"] as? [String: Any])
        // The whole spiking block (scores, tokens, NeuroBench metrics, energy) and the dense one.
        #expect(runs["second-task_T2"]?["spiking"] as? NSDictionary == singleMarsim["spiking"] as? NSDictionary)
        #expect(runs["second-task_T2"]?["dense"] as? NSDictionary == singleMarsim["dense"] as? NSDictionary)
        #expect(runs["second-task_T1"]?["dense"] as? NSDictionary == runs["second-task_T2"]?["dense"] as? NSDictionary)
        #expect((runs["pydoc-mc_T1"]?["spiking"] as? [String: Any])?["timesteps"] as? Int == 1)
        // One result: its blocks also at marsim's top level (deprecated); several: only in runs.
        #expect(singleMarsim["runs"] is [String: Any] && (multi["marsim"] as? [String: Any])?["spiking"] == nil)
    }

    /// Two 2-shard what-if studies (dense + one configuration) that differ only in --limit.
    func twoShardStudy(_ root: String, limit: String = "12") throws -> [String] {
        let args = ["whatif", "--checkpoint", Self.checkpoint, "--text-file", Self.checkpoint + "/heldout.txt", "--limit", limit,
                    "--timesteps", "1", "--placement", "all", "--profile", "loihi-like", "--threads", "1"]
        return try (0..<2).map { k in
            let folder = root + "/shard-\(k)"
            try Self.marsim(args + ["--out", folder, "--shard", "\(k)/2"])
            return folder
        }
    }

    @Test func badMergesGetOneClearErrorEach() throws {
        let dir = try TemporaryDirectory("bad")
        defer { dir.remove() }
        let root = dir.url.path
        let shards = try twoShardStudy(root + "/a")
        let other = try twoShardStudy(root + "/b", limit: "10")
        var n = 0
        func out() -> String { n += 1; return root + "/out\(n)" }

        CLI.expectFailure(["merge", "--out", out(), shards[0], other[1]], "are shards of different studies", "limit (10 vs 12)")
        CLI.expectFailure(["merge", "--out", out(), shards[0]], "shard 1/2 is missing (found 1 of 2)")
        try FileManager.default.copyItem(atPath: shards[0], toPath: root + "/copy-of-0")
        CLI.expectFailure(["merge", "--out", out(), shards[0], shards[1], root + "/copy-of-0"], "shard 0/2 appears twice", "copy-of-0")
        let trace = shards[1] + "/traces/T1-all-x1.0.h5"
        let original = try #require(CLI.bytes(trace))
        var changed = original
        changed[changed.count - 1] ^= 0xFF
        try changed.write(to: URL(fileURLWithPath: trace))
        CLI.expectFailure(["merge", "--out", out(), root + "/a"], trace + ": changed after shard 1/2 finished")
        try original.write(to: URL(fileURLWithPath: trace))
        CLI.expectFailure(["merge", "--out", out(), root + "/empty-\(UUID())"], "not a folder")
        CLI.expectFailure(["merge", "--overwrite", "--out", shards[0], root + "/a"], "is (inside) shard 0/2's folder")
        // Restored, the same shards merge.
        try Self.marsim(["merge", "--out", out(), root + "/a"])
        #expect(FileManager.default.fileExists(atPath: root + "/out\(n)/results.csv"))
    }

    @Test func shardOptionsAreChecked() throws {
        CLI.expectFailure(Self.whatif + ["--out", "/tmp/x", "--shard", "3/3"], "0-based")
        CLI.expectFailure(Self.eval + ["--shard", "0/2"], "--output-path")
        CLI.expectFailure(Self.whatif + ["--out", "/tmp/x", "--slurm"], "--shards N")
        CLI.expectFailure(Self.whatif + ["--out", "/tmp/x", "--shards", "4"], "add --slurm")
        CLI.expectFailure(Self.whatif + ["--out", "/tmp/x", "--slurm", "--shards", "2", "--shard", "0/2"], "not both")
    }

    @Test func slurmScriptsRunEachShardAndMergeAfterThem() throws {
        var options = SlurmOptions()
        options.slurm = true
        options.shards = 4
        options.partition = "short"
        options.time = "0:10:00"
        options.mem = "2G"
        options.marsimExecutable = "/opt/marsim/bin/marsim"
        let submission = SlurmSubmission(
            command: "whatif", options: options, studyFolder: "study", shardOutputOption: "--out",
            arguments: ["whatif", "--text-file", "it's.txt", "--limit", "64", "--out", "study", "--slurm", "--shards", "4",
                        "--partition=short", "--time", "0:10:00", "--mem", "2G", "--dry-run", "--overwrite",
                        "--marsim-executable", "/opt/marsim/bin/marsim"],
            workingDirectory: "/home/me/work")
        #expect(submission.shardArguments == ["whatif", "--text-file", "it's.txt", "--limit", "64"])
        let shard = submission.shardScript
        for line in ["#!/bin/bash", "#SBATCH --array=0-3", "#SBATCH --output=/home/me/work/study/logs/shard-%a.log",
                     "#SBATCH --chdir=/home/me/work", "#SBATCH --partition=short", "#SBATCH --time=0:10:00", "#SBATCH --mem=2G",
                     "K=\"$SLURM_ARRAY_TASK_ID\"", "SHARD=/home/me/work/study/shards/shard-\"$K\"", "rm -rf -- \"$SHARD\"",
                     "exec /opt/marsim/bin/marsim whatif --text-file 'it'\\''s.txt' --limit 64 --out \"$SHARD\" --shard \"$K/4\""] {
            #expect(shard.split(separator: "\n").contains(Substring(line)), "missing: \(line)\n\(shard)")
        }
        let merge = submission.mergeScript
        #expect(merge.contains("#SBATCH --output=/home/me/work/study/logs/merge.log"))
        #expect(merge.contains("exec /opt/marsim/bin/marsim merge --overwrite --out /home/me/work/study /home/me/work/study/shards"))
        // The scripts are valid bash.
        for script in [shard, merge] {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/bin/bash")
            check.arguments = ["-n"]
            let input = Pipe()
            check.standardInput = input
            try check.run()
            input.fileHandleForWriting.write(Data(script.utf8))
            try input.fileHandleForWriting.close()
            check.waitUntilExit()
            #expect(check.terminationStatus == 0)
        }
    }

    @Test func aMissingSlurmShardPointsAtItsLogAndTheRerun() throws {
        let dir = try TemporaryDirectory("slurm")
        defer { dir.remove() }
        let study = dir.url.path + "/study"
        let shards = try twoShardStudy(study + "/shards")
        try FileManager.default.removeItem(atPath: shards[1])
        try FileManager.default.createDirectory(atPath: study + "/logs", withIntermediateDirectories: true)
        try "marsim shard 1/2 on node7\nError: out of memory\n".write(toFile: study + "/logs/shard-1.log", atomically: true, encoding: .utf8)
        CLI.expectFailure(["merge", "--overwrite", "--out", study, study + "/shards"], "shard 1/2 is missing",
                          "its log \(study)/logs/shard-1.log ends: Error: out of memory",
                          "sbatch --array=1 \(study)/slurm/shards.sbatch")
    }
}
