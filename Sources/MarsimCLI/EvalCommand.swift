import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimReport
import MarsimStudy

/// `marsim eval`: zero-shot multiple-choice accuracy, dense and spiking side by side.
public struct EvalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score lm-eval-style multiple-choice tasks (JSONL) dense and spiking: acc, acc_norm and the cost in spikes.",
        discussion: """
        Each JSONL line is {"context": "...", "choices": ["...", ...], "label": i} with an optional \
        "target_delimiter" placed between context and choice (default: none for byte-level models, \
        " " otherwise). A choice's log-likelihood is Σ ln p(choice token | context + earlier choice \
        tokens); acc takes the argmax, acc_norm the argmax after dividing by the choice's length in bytes. \
        The context's recurrent state is computed once per item and copied for each choice.

        Several tasks (repeat --tasks, or a comma list) and several T's (--timesteps 2,4,8) are scored \
        in one run: the dense model once per task, the spiking model once per task and T, with \
        thresholds calibrated once per T. Default mode: both (dense and spiking).

        Examples:
          marsim eval --tasks Tests/Fixtures/mc/pydoc-mc.jsonl --timesteps 4 \\
              --calibration-text checkpoints/tiny-llamba-bytes/heldout.txt
          marsim eval --tasks Tests/Fixtures/mc/pydoc-mc.jsonl --limit 4 --timesteps 2,4 \\
              --calibration-text checkpoints/tiny-llamba-bytes/heldout.txt --output-path traces/eval-T
          marsim eval --tasks Tests/Fixtures/mc/pydoc-mc.jsonl --limit 6 --mode dense --json
          marsim eval --checkpoint DIR --tasks piqa.jsonl,arc_easy.jsonl --limit 200 --mode dense
          marsim eval --tasks Tests/Fixtures/mc/pydoc-mc.jsonl --limit 6 --mode dense \\
              --output-path traces/eval                 # writes traces/eval/results.json
          marsim eval --tasks Tests/Fixtures/mc/pydoc-mc.jsonl --limit 6 --mode dense \\
              --output-path traces/eval-s0 --shard 0/2  # then: marsim merge --out DIR SHARDS…
        """
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable { case dense, spiking, both }

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(name: .customLong("tasks"),
            help: ArgumentHelp("Task files: one JSON item per line; repeat --tasks or give a comma list to score several (the task's name is the file's, without .jsonl).", valueName: "file.jsonl"))
    var taskArguments: [String]

    /// The task files, in the order given (`--tasks a.jsonl,b.jsonl --tasks c.jsonl`).
    var taskFiles: [String] {
        taskArguments.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }

    @Option(help: ArgumentHelp("Score only the first n items of each task.", valueName: "n"))
    var limit: Int?

    @Option(help: "Which models to score.")
    var mode: Mode = .both

    @OptionGroup var spiking: SpikingOptions

    @OptionGroup var execution: ExecutionOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Write DIR/results.json, shaped like lm-evaluation-harness's, with marsim's dense, spiking and energy blocks (with --shard: the shard, for `marsim merge`).", valueName: "dir"))
    var outputPath: String?

    @OptionGroup var profileOptions: ProfileOptions

    @OptionGroup var sharding: ShardOptions

    @OptionGroup var slurm: SlurmOptions

    public init() {}

    public func validate() throws {
        let files = taskFiles
        guard !files.isEmpty else { throw ValidationError("Please give at least one --tasks file.") }
        var seen: [String: String] = [:]
        for file in files {
            let name = EvalTask.name(of: file)
            if let other = seen[name] {
                throw ValidationError(other == file ? "Please give each --tasks file once (\(file) is given twice)."
                                      : "Please give task files with distinct names: \(other) and \(file) are both task '\(name)'.")
            }
            seen[name] = file
        }
        if let limit, limit < 1 { throw ValidationError("Please give a --limit of at least 1.") }
        if mode == .dense && spiking.timestepList.values.count > 1 {
            throw ValidationError("Please give one --timesteps value with --mode dense (several T score the spiking model).")
        }
        try slurm.validate(shard: sharding.shard)
        if (sharding.shard != nil || slurm.slurm) && outputPath == nil {
            throw ValidationError("Please give --output-path DIR with --shard or --slurm: that is where the shard or study goes.")
        }
    }

    public func run() throws {
        try oneLineErrors {
            if slurm.slurm, let outputPath {
                try SlurmSubmission(command: "eval", options: slurm, studyFolder: outputPath, shardOutputOption: "--output-path").submit()
                return
            }
            let share = try sharding.spec()
            var stopwatch = Stopwatch()
            let checkpoint = try checkpointOptions.load()
            let tasks = try taskFiles.map { try EvalTask.load($0, limit: limit, checkpoint: checkpoint) }
            // A shard scores its share of the study's items: every task's (after --limit), one list.
            let chosen = EvalTask.share(of: tasks, shard: share)
            let profiles = outputPath == nil ? [] : try profileOptions.load()
            let eval = EvalRun(
                checkpoint: checkpoint, tasks: tasks, chosen: chosen, scoresDense: mode != .spiking,
                timesteps: mode == .dense ? [] : spiking.timestepList.values, placement: spiking.placement,
                parameters: { spiking.at(timesteps: $0).parameters },
                thresholds: { t, sites, input in try spiking.at(timesteps: t).thresholdSet(checkpoint: checkpoint, sites: sites, input: input) },
                chunk: execution.chunk, threads: execution.threads, delivery: execution.delivery, columnCache: execution.columnCache)
            let outcome = try eval.run(loadSeconds: stopwatch.lap())
            if let outputPath {
                let data = eval.runData(outcome, limit: limit, modelArgs: modelArguments(checkpoint: checkpoint,
                                                                                         thresholdSources: outcome.spiking.map(\.thresholdSource)),
                                        profiles: profiles)
                if let share {
                    try EvalStudy.writeShard(data, study: try studyIdentity(checkpoint: checkpoint, profiles: profiles,
                                                                            items: tasks.map(\.items.count).reduce(0, +)),
                                             shard: share, folder: outputPath)
                } else {
                    try EvalResultsFile.write(data, to: outputPath)
                }
            }
            let runs = outcome.report.runs
            if json {
                // The top-level NeuroBench block is the first run's spiking model's when it ran, else its dense model's.
                print(try JSONOutput.string(ConventionalJSON(
                    report: outcome.report, marsim: MarsimProvenance(command: "eval", checkpoint_hash: checkpoint.identity().contentHash),
                    neurobench: (runs.first?.spiking ?? runs.first?.dense)?.neurobench)))
            } else {
                print(outcome.report.table())
            }
        }
    }
}
