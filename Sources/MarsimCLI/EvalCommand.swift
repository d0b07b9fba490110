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

    struct ModelScores: Encodable {
        var acc: Double
        var acc_norm: Double
        var tokens: Int
        var spikes_per_token: Double
        var acs_per_token: Double
        var macs_per_token: Double
        /// Deprecated spellings of `acs_per_token` and `macs_per_token`, kept one release.
        var synaptic_ops_per_token: Double
        var dense_macs_per_token: Double
        /// NeuroBench's workload metrics of this model's run, per token (docs/DESIGN.md §6).
        var neurobench: NeuroBenchMetrics
        var items: [ScoredItem]

        /// - units, denseBaseline: the forward pass's units and one dense token's counts per unit.
        init(_ r: EvaluationResult, units: [AccountingUnit], denseBaseline: [ActivityCounts],
             spikingSites: [AccountingUnit], timesteps: Int) {
            acc = r.acc
            acc_norm = r.accNorm
            tokens = r.tokens
            let n = Double(max(r.tokens, 1))
            spikes_per_token = Double(r.total.spikes) / n
            acs_per_token = Double(r.total.synapticOps) / n
            macs_per_token = Double(r.total.denseMACs) / n
            synaptic_ops_per_token = acs_per_token
            dense_macs_per_token = macs_per_token
            neurobench = NeuroBenchMetrics(units: units, totals: r.unitTotals, denseBaseline: denseBaseline, tokens: r.tokens,
                                           spikingSites: spikingSites, timesteps: timesteps)
            items = r.items
        }
    }

    /// One task scored by the dense model and the spiking model at one T (either may be absent).
    struct RunReport: Encodable {
        /// The task file and the task's name (the file's name without `.jsonl`).
        var tasks: String
        var task: String
        var items: Int
        var timesteps: Int?
        /// The spiking model's neuron model and its own parameters, e.g. `graded (spike_bits=4)`.
        var neuron: String?
        var placement: String?
        var threshold_source: String?
        var dense: ModelScores?
        var spiking: ModelScores?
        var acc_difference: Double?
        var acc_norm_difference: Double?
    }

    /// `--json`: every task × T run; with exactly one run its keys are also at the top level, as
    /// before several tasks and T's were possible (deprecated: read `runs`).
    struct Report: Encodable {
        var runs: [RunReport]
        /// Load (checkpoint, tasks, thresholds) and run time; tokens counts every model's steps.
        var timing: RunTiming?

        private enum Keys: String, CodingKey { case runs, timing }

        func encode(to encoder: Encoder) throws {
            if runs.count == 1 { try runs[0].encode(to: encoder) }
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(runs, forKey: .runs)
            try c.encodeIfPresent(timing, forKey: .timing)
        }
    }

    /// The spiking model at one T: its thresholds and its result on every task.
    struct SpikingPass {
        var timesteps: Int
        var thresholdSource: String
        var schedule: TickSchedule
        var results: [EvaluationResult]
    }

    public func run() throws {
        try oneLineErrors {
            if slurm.slurm, let outputPath {
                try SlurmSubmission(command: "eval", options: slurm, studyFolder: outputPath, shardOutputOption: "--output-path").submit()
                return
            }
            let share = try sharding.spec()
            var stopwatch = Stopwatch()
            var loadSeconds = 0.0
            let checkpoint = try checkpointOptions.load()
            let tasks = try taskFiles.map { try EvalTask.load($0, limit: limit, checkpoint: checkpoint) }
            // A shard scores its share of the study's items: every task's (after --limit), one list.
            let chosen = EvalTask.share(of: tasks, shard: share)
            let profiles = outputPath == nil ? [] : try profileOptions.load()
            let pass = ForwardPass(model: checkpoint.model)
            let (units, denseBaseline) = (pass.index.units, pass.denseCountsPerToken())
            let scored = chosen.map(\.count).reduce(0, +)
            let passes = (mode == .spiking ? 0 : 1) + (mode == .dense ? 0 : spiking.timestepList.values.count)
            var progress = Progress(label: "eval", total: scored * passes, minimumTotal: 2)
            var done = 0
            /// One model over every task's chosen items.
            func evaluate<R: ProjectionRunner>(_ evaluator: MultipleChoiceEvaluator, _ makeRunner: () throws -> R) throws -> [EvaluationResult] {
                try zip(tasks, chosen).map { task, indices in
                    let result = try evaluator.evaluate(indices.map { task.items[$0] }, makeRunner: makeRunner,
                                                        progress: { progress.update(done + $0) })
                    done += indices.count
                    return result
                }
            }
            loadSeconds += stopwatch.lap()
            var runSeconds = 0.0
            var dense: [EvaluationResult]?
            if mode != .spiking {
                let model = try checkpoint.model.preparedForRun(spikingSites: [], cache: execution.columnCache, progress: note)
                loadSeconds += stopwatch.lap()
                dense = try evaluate(MultipleChoiceEvaluator(model: model, chunk: execution.chunk)) { DenseRunner(threads: execution.threads) }
                runSeconds += stopwatch.lap()
            }
            var spikingPasses: [SpikingPass] = []
            var placement: Placement?
            if mode != .dense {
                let sites = try Placement(spiking.placement, shape: checkpoint.model.shape)
                placement = sites
                let model = try checkpoint.model.preparedForRun(spikingSites: sites.sites, cache: execution.columnCache, progress: note)
                let evaluator = MultipleChoiceEvaluator(model: model, chunk: execution.chunk)
                // Thresholds come from the whole study's contexts, never a shard's, so shards calibrate alike.
                let contexts = DefaultCalibration.Input(ids: tasks.flatMap { $0.items.flatMap(\.context) }, name: "the task contexts", file: nil)
                for t in spiking.timestepList.values {
                    let options = spiking.at(timesteps: t)
                    let thresholds = try options.thresholdSet(checkpoint: checkpoint, sites: sites.sites, input: contexts)
                    loadSeconds += stopwatch.lap()
                    let results = try evaluate(evaluator) {
                        var runner = try SpikingRunner(model: model, placement: sites, thresholds: thresholds,
                                                       parameters: options.parameters, threads: execution.threads)
                        runner.delivery = execution.delivery
                        return runner
                    }
                    spikingPasses.append(SpikingPass(timesteps: t, thresholdSource: thresholds.source,
                                                     schedule: TickSchedule(sitesPerToken: sites.sites.count, timesteps: t, tickPeriodMs: 1),
                                                     results: results))
                    runSeconds += stopwatch.lap()
                }
            }
            progress.finish()
            let neuron = try NeuronRegistry.make(spiking.parameters).record.label
            var runs: [RunReport] = []
            for (k, task) in tasks.enumerated() {
                let denseScores = dense.map { ModelScores($0[k], units: units, denseBaseline: denseBaseline, spikingSites: [], timesteps: 1) }
                let base = RunReport(tasks: task.file, task: task.name, items: chosen[k].count, dense: denseScores)
                if spikingPasses.isEmpty { runs.append(base) }
                for p in spikingPasses {
                    var run = base
                    run.timesteps = p.timesteps
                    run.neuron = neuron
                    run.placement = placement?.specification
                    run.threshold_source = p.thresholdSource
                    run.spiking = ModelScores(p.results[k], units: units, denseBaseline: denseBaseline,
                                              spikingSites: placement?.sites ?? [], timesteps: p.timesteps)
                    if let d = run.dense, let s = run.spiking {
                        run.acc_difference = s.acc - d.acc
                        run.acc_norm_difference = s.acc_norm - d.acc_norm
                    }
                    runs.append(run)
                }
            }
            for run in runs {
                for (name, scores) in [("dense", run.dense), ("spiking", run.spiking)] {
                    guard let scores else { continue }
                    let bad = scores.items.filter { !$0.loglik.allSatisfy(\.isFinite) }.count
                    if bad > 0 {
                        throw CLIError("\(run.tasks): the \(name) model gives non-finite log-likelihoods (NaN or ±inf) for \(bad) of "
                                       + "\(scores.items.count) items: its logits are not finite, so accuracy would be meaningless")
                    }
                }
            }
            let tokens = (dense ?? []).map(\.tokens).reduce(0, +) + spikingPasses.flatMap(\.results).map(\.tokens).reduce(0, +)
            let report = Report(runs: runs, timing: RunTiming(load: loadSeconds, run: runSeconds, tokens: tokens))
            if let outputPath {
                let data = runData(checkpoint: checkpoint, tasks: tasks, chosen: chosen, dense: dense, spiking: spikingPasses,
                                   placement: placement, neuron: neuron, profiles: profiles)
                try writeOutput(data, to: outputPath, checkpoint: checkpoint, share: share, profiles: profiles,
                                studyItems: tasks.map(\.items.count).reduce(0, +))
            }
            if json {
                // The top-level NeuroBench block is the first run's spiking model's when it ran, else its dense model's.
                print(try JSONOutput.string(ConventionalJSON(
                    report: report, marsim: MarsimProvenance(command: "eval", checkpoint_hash: checkpoint.identity().contentHash),
                    neurobench: (runs.first?.spiking ?? runs.first?.dense)?.neurobench)))
            } else {
                print(Self.table(runs))
            }
        }
    }

    static func table(_ runs: [RunReport]) -> String {
        var lines: [String] = []
        if let first = runs.first(where: { $0.spiking != nil }), let p = first.placement {
            lines.append("spiking: \(first.neuron ?? ATMNModel.name), placement \(p); thresholds "
                         + Set(runs.compactMap(\.threshold_source)).sorted().joined(separator: "; "))
        }
        let header = ["task", "items", "model", "T", "acc", "acc_norm", "Δacc", "spikes/tok", "ACs/tok", "MACs/tok"]
        var rows: [[String]] = []
        func row(_ r: RunReport, _ name: String, _ t: String, _ s: ModelScores, _ difference: Double?) -> [String] {
            [r.task, String(r.items), name, t, String(format: "%.4f", s.acc), String(format: "%.4f", s.acc_norm),
             difference.map { String(format: "%+.4f", $0) } ?? "", String(format: "%.1f", s.spikes_per_token),
             String(format: "%.0f", s.acs_per_token), String(format: "%.0f", s.macs_per_token)]
        }
        var lastTask: String?
        for r in runs {
            if r.task != lastTask, let d = r.dense { rows.append(row(r, "dense", "—", d, nil)) }
            lastTask = r.task
            if let s = r.spiking { rows.append(row(r, "spiking", r.timesteps.map(String.init) ?? "", s, r.acc_difference)) }
        }
        lines += TextTable.render(header: header, rows: rows)
        return lines.joined(separator: "\n")
    }
}
