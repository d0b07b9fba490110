import Foundation
import MarsimCore
import MarsimReport

/// What a Slurm submission asks for (the `--slurm` options): how many shards, each job's
/// resources, the executable the jobs run, and whether to only print the scripts. A protocol, so
/// the command's options serve as they are and each is read only when the submission needs it.
public protocol SlurmRequest {
    var shards: Int? { get }
    var partition: String? { get }
    var time: String? { get }
    var mem: String? { get }
    var marsimExecutable: String? { get }
    var dryRun: Bool { get }
}

/// A study submitted to Slurm: a job array whose task K runs shard K/N of the same command, and a
/// merge job that depends on the whole array (`afterok`, killed if a shard fails).
///
/// Everything lives in the study folder (`SlurmLayout`): the two batch scripts, one log per shard,
/// the shard folders, and the merged results. A failed shard is re-run alone with
/// `sbatch --array=K DIR/slurm/shards.sbatch` (its folder is cleared first), then merged.
public struct SlurmSubmission {
    public var command: String
    public var options: any SlurmRequest
    /// The study's output folder (`--out`).
    public var studyFolder: String
    /// The option that names a shard's output folder (`--out` for whatif, `--output-path` for eval).
    public var shardOutputOption: String
    /// The command line as typed, without the executable (first: the subcommand).
    public var arguments: [String]
    /// Where the jobs run (they `cd` here, so relative paths mean what they meant at submission).
    public var workingDirectory: String

    /// A submission of `command` (whose shards write under `shardOutputOption`) into `studyFolder`;
    /// `arguments` is the command line as typed, `workingDirectory` where the jobs run.
    public init(command: String, options: any SlurmRequest, studyFolder: String, shardOutputOption: String,
                arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.command = command
        self.options = options
        self.studyFolder = studyFolder
        self.shardOutputOption = shardOutputOption
        self.arguments = arguments
        self.workingDirectory = workingDirectory
    }

    /// Where the scripts, logs and shards go.
    public var layout: SlurmLayout { SlurmLayout(study: absolute(studyFolder)) }
    /// How many shards (array tasks) the study is split into.
    public var shardCount: Int { options.shards ?? 1 }

    /// The marsim executable the jobs run.
    public var executable: String {
        if let path = options.marsimExecutable { return absolute(path) }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? absolute(CommandLine.arguments[0])
    }

    /// The typed arguments minus the Slurm options, the output folder and `--overwrite`.
    public var shardArguments: [String] {
        let dropWithValue: Set<String> = ["--shards", "--partition", "--time", "--mem", "--marsim-executable", shardOutputOption]
        let dropAlone: Set<String> = ["--slurm", "--dry-run", "--overwrite"]
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if dropAlone.contains(a) { i += 1; continue }
            if dropWithValue.contains(name) { i += a.contains("=") ? 1 : 2; continue }
            out.append(a)
            i += 1
        }
        return out
    }

    /// `path` against the working directory, standardised.
    public func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true)).standardizedFileURL.path
    }

    private var resourceLines: [String] {
        [("partition", options.partition), ("time", options.time), ("mem", options.mem)].compactMap { name, value in
            value.map { "#SBATCH --\(name)=\($0)" }
        }
    }

    /// The job array's batch script.
    public var shardScript: String {
        let n = shardCount
        return ([
            "#!/bin/bash",
            "# marsim \(command) study, shard K of \(n) (K = the array task id); written by `marsim \(command) --slurm`.",
            "# Re-run one shard alone: sbatch --array=K \(layout.shardScript)",
            "#SBATCH --job-name=marsim-\(command)",
            "#SBATCH --array=0-\(n - 1)",
            "#SBATCH --output=\(layout.logs)/shard-%a.log",
            "#SBATCH --chdir=\(workingDirectory)",
        ] + resourceLines + [
            "set -euo pipefail",
            "K=\"$SLURM_ARRAY_TASK_ID\"",
            "SHARD=\(shellQuoted(layout.shards + "/shard-"))\"$K\"",
            "# A re-run starts clean (a killed run's trace journal is never overwritten).",
            "rm -rf -- \"$SHARD\"",
            "mkdir -p -- \"$SHARD\"",
            "echo \"marsim shard $K/\(n) on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)\"",
            "exec " + ([executable] + shardArguments).map(shellQuoted).joined(separator: " ")
                + " \(shardOutputOption) \"$SHARD\" --shard \"$K/\(n)\"",
        ]).joined(separator: "\n") + "\n"
    }

    /// The merge job's batch script.
    public var mergeScript: String {
        ([
            "#!/bin/bash",
            "# marsim \(command) study: merge the \(shardCount) shards; written by `marsim \(command) --slurm`.",
            "#SBATCH --job-name=marsim-merge",
            "#SBATCH --output=\(layout.logs)/merge.log",
            "#SBATCH --chdir=\(workingDirectory)",
        ] + resourceLines + [
            "set -euo pipefail",
            "exec " + [executable, "merge", "--overwrite", "--out", layout.study, layout.shards].map(shellQuoted).joined(separator: " "),
        ]).joined(separator: "\n") + "\n"
    }

    /// Writes the scripts and submits them (or prints them, with `--dry-run`).
    public func submit() throws {
        if options.dryRun {
            print("# \(layout.shardScript)\n\(shardScript)\n# \(layout.mergeScript)\n\(mergeScript)")
            print("# would run: sbatch --parsable \(layout.shardScript)")
            print("#            sbatch --parsable --dependency=afterok:<array job id> --kill-on-invalid-dep=yes \(layout.mergeScript)")
            return
        }
        for folder in [layout.scripts, layout.logs, layout.shards] { try OutputTarget.createDirectories(folder) }
        try AtomicOutputFile.write(shardScript, to: layout.shardScript, label: "batch script")
        try AtomicOutputFile.write(mergeScript, to: layout.mergeScript, label: "batch script")
        let arrayID = try Self.sbatch(["--parsable", layout.shardScript])
        let mergeID = try Self.sbatch(["--parsable", "--dependency=afterok:\(arrayID)", "--kill-on-invalid-dep=yes", layout.mergeScript])
        print("""
        submitted \(command) study: \(shardCount) shard(s) as Slurm job array \(arrayID) (tasks 0-\(shardCount - 1)), merge as job \(mergeID) (afterok:\(arrayID))
          scripts  \(layout.shardScript), \(layout.mergeScript)
          logs     \(layout.logs)/shard-K.log, \(layout.logs)/merge.log
          watch    squeue -j \(arrayID),\(mergeID)
          results  \(layout.study) once job \(mergeID) has finished
          a shard fails: its log says why; re-run it alone with sbatch --array=K \(layout.shardScript), then sbatch \(layout.mergeScript)
        """)
    }

    /// Runs `sbatch` and returns the job id it prints (`--parsable`: `id` or `id;cluster`).
    public static func sbatch(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch"] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { throw CLIError("cannot run sbatch: \(CLIError.describe(error)); is Slurm installed here?") }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let id = printed.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard process.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let reason = complaint.trimmingCharacters(in: .whitespacesAndNewlines)
            throw CLIError("sbatch \(arguments.last ?? "") failed (exit \(process.terminationStatus)): \(reason.isEmpty ? printed : reason)")
        }
        return id
    }
}

/// Quotes `text` for a POSIX shell (single quotes; an embedded quote becomes `'\''`).
public func shellQuoted(_ text: String) -> String {
    if !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=,:@+".contains($0) }) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Where a Slurm study keeps its parts, under its output folder.
public struct SlurmLayout {
    /// The study's output folder: the merged results go here.
    public var study: String
    /// The batch scripts' folder, and the two scripts.
    public var scripts: String { study + "/slurm" }
    public var shardScript: String { scripts + "/shards.sbatch" }
    public var mergeScript: String { scripts + "/merge.sbatch" }
    /// The jobs' logs, and the shards' output folders.
    public var logs: String { study + "/logs" }
    public var shards: String { study + "/shards" }

    public init(study: String) { self.study = study }

    /// Shard K's log.
    public func log(shard: Int) -> String { logs + "/shard-\(shard).log" }

    /// For a merge missing shard K: where its log is, how it ended, and how to re-run it — when the
    /// shards were given as (or inside) a Slurm study's `shards/` folder.
    public static func missingShardHint(shardPaths: [String], shard: Int) -> String? {
        for path in shardPaths {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            let shardsFolder = url.lastPathComponent == "shards" ? url : url.deletingLastPathComponent()
            guard shardsFolder.lastPathComponent == "shards" else { continue }
            let layout = SlurmLayout(study: shardsFolder.deletingLastPathComponent().path)
            let log = layout.log(shard: shard)
            guard let text = try? String(contentsOfFile: log, encoding: .utf8) else {
                return FileManager.default.fileExists(atPath: layout.shardScript)
                    ? "no log at \(log) (did the array task start?); run it alone: sbatch --array=\(shard) \(layout.shardScript)" : nil
            }
            let last = text.split(whereSeparator: \.isNewline).last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) ?? "(empty)"
            return "its log \(log) ends: \(last.prefix(300)); re-run it alone: sbatch --array=\(shard) \(layout.shardScript), then merge again"
        }
        return nil
    }
}
