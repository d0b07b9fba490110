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

        Examples:
          marsim eval --tasks Tests/Fixtures/mc/pydoc-mc.jsonl --timesteps 4 \\
              --calibration-text checkpoints/tiny-llamba-bytes/heldout.txt
          marsim eval --tasks Tests/Fixtures/mc/pydoc-mc.jsonl --limit 6 --mode dense --json
          marsim eval --checkpoint DIR --tasks FILE.jsonl --limit 200 --mode dense
          marsim eval --tasks Tests/Fixtures/mc/pydoc-mc.jsonl --limit 6 --mode dense \\
              --output-path traces/eval                 # writes traces/eval/results.json
          marsim eval --tasks Tests/Fixtures/mc/pydoc-mc.jsonl --limit 6 --mode dense \\
              --output-path traces/eval-s0 --shard 0/2  # then: marsim merge --out DIR SHARDS…
        """
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable { case dense, spiking, both }

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(name: .customLong("tasks"), help: ArgumentHelp("The task file: one JSON item per line (one file per run).", valueName: "file.jsonl"))
    var taskFiles: [String]

    /// The task file (`validate()` makes sure there is exactly one: a second `--tasks` is refused,
    /// not silently preferred).
    var tasks: String { taskFiles[0] }

    @Option(help: ArgumentHelp("Score only the first n items.", valueName: "n"))
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
        guard taskFiles.count == 1 else {
            throw ValidationError("Please give one --tasks file per run (got \(taskFiles.count): \(taskFiles.joined(separator: ", "))); run eval once per task file.")
        }
        if let limit, limit < 1 { throw ValidationError("Please give a --limit of at least 1.") }
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

    struct Report: Encodable {
        var tasks: String
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
        /// Load (checkpoint, tasks, thresholds) and run time; tokens counts every model's steps.
        var timing: RunTiming?
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
            var items = try MultipleChoiceItem.load(jsonl: URL(fileURLWithPath: tasks))
            let fileItems = items.count
            if let limit { items = Array(items.prefix(limit)) }
            let studyItems = items.count
            // A shard scores its share of the items (after --limit); `indices` are their places in the task.
            let indices = share?.units(of: items.count) ?? Array(items.indices)
            items = indices.map { items[$0] }
            let profiles = outputPath == nil ? [] : try profileOptions.load()
            let tokenized = try items.map { try TextEncoding.tokenizeChoiceItem($0, checkpoint: checkpoint) }
            var report = Report(tasks: tasks, items: items.count)
            let pass = ForwardPass(model: checkpoint.model)
            let (units, denseBaseline) = (pass.index.units, pass.denseCountsPerToken())
            loadSeconds += stopwatch.lap()
            var runSeconds = 0.0
            var results: (dense: EvaluationResult?, spiking: EvaluationResult?, schedule: TickSchedule?) = (nil, nil, nil)
            if mode != .spiking {
                let model = try checkpoint.model.preparedForRun(spikingSites: [], cache: execution.columnCache, progress: note)
                let evaluator = MultipleChoiceEvaluator(model: model, chunk: execution.chunk)
                loadSeconds += stopwatch.lap()
                var progress = Progress(label: "eval dense", total: items.count, minimumTotal: 2)
                results.dense = try evaluator.evaluate(tokenized, makeRunner: { DenseRunner(threads: execution.threads) },
                                                       progress: { progress.update($0) })
                report.dense = results.dense.map {
                    ModelScores($0, units: units, denseBaseline: denseBaseline, spikingSites: [], timesteps: 1)
                }
                progress.finish()
                runSeconds += stopwatch.lap()
            }
            if mode != .dense {
                let placement = try Placement(spiking.placement, shape: checkpoint.model.shape)
                let thresholds = try spiking.thresholdSet(checkpoint: checkpoint, sites: placement.sites,
                                                          input: .init(ids: tokenized.flatMap(\.context), name: "the task contexts", file: nil))
                let model = try checkpoint.model.preparedForRun(spikingSites: placement.sites, cache: execution.columnCache, progress: note)
                let evaluator = MultipleChoiceEvaluator(model: model, chunk: execution.chunk)
                loadSeconds += stopwatch.lap()
                var progress = Progress(label: "eval spiking", total: items.count, minimumTotal: 2)
                results.schedule = TickSchedule(sitesPerToken: placement.sites.count, timesteps: spiking.timesteps, tickPeriodMs: 1)
                results.spiking = try evaluator.evaluate(tokenized, makeRunner: {
                    var runner = try SpikingRunner(model: model, placement: placement, thresholds: thresholds,
                                                   parameters: spiking.parameters, threads: execution.threads)
                    runner.delivery = execution.delivery
                    return runner
                }, progress: { progress.update($0) })
                report.spiking = results.spiking.map {
                    ModelScores($0, units: units, denseBaseline: denseBaseline, spikingSites: placement.sites, timesteps: spiking.timesteps)
                }
                progress.finish()
                runSeconds += stopwatch.lap()
                report.timesteps = spiking.timesteps
                report.neuron = try NeuronRegistry.make(spiking.parameters).record.label
                report.placement = placement.specification
                report.threshold_source = thresholds.source
            }
            for (name, scores) in [("dense", report.dense), ("spiking", report.spiking)] {
                guard let scores else { continue }
                let bad = scores.items.filter { !$0.loglik.allSatisfy(\.isFinite) }.count
                if bad > 0 {
                    throw CLIError("\(tasks): the \(name) model gives non-finite log-likelihoods (NaN or ±inf) for \(bad) of "
                                   + "\(scores.items.count) items: its logits are not finite, so accuracy would be meaningless")
                }
            }
            if let d = report.dense, let s = report.spiking {
                report.acc_difference = s.acc - d.acc
                report.acc_norm_difference = s.acc_norm - d.acc_norm
            }
            report.timing = RunTiming(load: loadSeconds, run: runSeconds,
                                      tokens: (report.dense?.tokens ?? 0) + (report.spiking?.tokens ?? 0))
            if let outputPath {
                try writeOutput(to: outputPath, checkpoint: checkpoint, share: share, results: results, report: report,
                                items: (indices: indices, tokenized: tokenized, inFile: fileItems, inStudy: studyItems), profiles: profiles)
            }
            if json {
                // The top-level NeuroBench block is the spiking model's when it ran, else the dense model's.
                print(try JSONOutput.string(ConventionalJSON(
                    report: report, marsim: MarsimProvenance(command: "eval", checkpoint_hash: checkpoint.identity().contentHash),
                    neurobench: (report.spiking ?? report.dense)?.neurobench)))
            } else {
                print(Self.table(report))
            }
        }
    }

    static func table(_ r: Report) -> String {
        var lines = ["tasks \(r.tasks): \(r.items) items"]
        if let t = r.timesteps, let p = r.placement {
            lines.append("spiking: \(r.neuron ?? ATMNModel.name), T = \(t), placement \(p); thresholds \(r.threshold_source ?? "")")
        }
        lines.append("")
        let header = ["model", "acc", "acc_norm", "spikes/tok", "ACs/tok", "MACs/tok"]
        var rows: [[String]] = []
        func row(_ name: String, _ s: ModelScores) -> [String] {
            [name, String(format: "%.4f", s.acc), String(format: "%.4f", s.acc_norm), String(format: "%.1f", s.spikes_per_token),
             String(format: "%.0f", s.acs_per_token), String(format: "%.0f", s.macs_per_token)]
        }
        if let d = r.dense { rows.append(row("dense", d)) }
        if let s = r.spiking { rows.append(row("spiking", s)) }
        if let a = r.acc_difference, let n = r.acc_norm_difference {
            rows.append(["spiking − dense", String(format: "%+.4f", a), String(format: "%+.4f", n), "", "", ""])
        }
        lines += TextTable.render(header: header, rows: rows)
        return lines.joined(separator: "\n")
    }
}
