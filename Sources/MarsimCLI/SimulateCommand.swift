import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine

/// `marsim simulate`: run a checkpoint over a token sequence, dense or as a spiking network.
public struct SimulateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a checkpoint dense or as a spiking network; report spikes, operations and fidelity.",
        discussion: """
        In spiking mode the dense model runs beside the spiking one, so every position reports \
        KL(dense‖spiking), top-1 agreement and bits per byte for both.

        Examples:
          marsim simulate --text "The state space" --mode dense
          marsim simulate --text-file heldout.txt --limit 1024 --timesteps 4 \\
              --placement all --calibration-text heldout.txt --json
          marsim simulate --input-ids 72,101,108,108,111 \\
              --placement mixer.in_proj,mlp.down_proj@0-1
          marsim simulate --text-file notes.txt --calibration-text calib.txt \\
              --trace traces/run.h5 --trace-level events
        """
    )

    @OptionGroup var checkpointOptions: CheckpointOptions
    @OptionGroup var input: InputOptions

    @Option(help: "dense: the model as trained; spiking: ATMN neurons at the placed projections.")
    var mode: SimulationSettings.Mode = .spiking

    @OptionGroup var spiking: SpikingOptions

    @OptionGroup var traceOptions: TraceOptions

    @Option(help: ArgumentHelp("Write the run's logits as one F32 tensor `logits` [tokens, vocab].", valueName: "file.safetensors"))
    var saveLogits: String?

    @OptionGroup var execution: ExecutionOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    public init() {}

    public func run() throws {
        try oneLineErrors {
            var stopwatch = Stopwatch()
            let checkpoint = try checkpointOptions.load()
            let tokens = try input.tokens(for: checkpoint)
            let placement = try Placement(mode == .dense ? "none" : spiking.placement, shape: checkpoint.model.shape)
            let thresholds = mode == .dense ? ThresholdSet(values: [:], source: "none")
                : try spiking.thresholdSet(checkpoint: checkpoint, sites: placement.sites)
            let settings = execution.apply(to: SimulationSettings(mode: mode, parameters: spiking.parameters, placement: placement,
                                                                  thresholds: thresholds, tickPeriodMs: traceOptions.tickPeriodMs))
            let simulator = try Simulator(model: checkpoint.model, settings: settings, progress: note)
            let loadSeconds = stopwatch.lap()
            // Every output file is created before the first token runs, so a bad path fails at once.
            let traceWriter = try RunRecord.openWriter(traceOptions, metadata: RunRecord.metadata(
                checkpoint: checkpoint, simulator: simulator, tokens: tokens.ids, thresholds: thresholds))
            let logitsWriter = try saveLogits.map {
                try SafetensorsMatrixWriter(path: $0, name: "logits", rows: tokens.ids.count, columns: checkpoint.model.shape.vocabSize)
            }
            Interruption.install()
            var progress = Progress(label: "simulate", total: tokens.ids.count)
            let summary = try simulator.run(tokens: tokens.ids, bytesOfToken: tokens.bytesOfToken) { activity, logits in
                do {
                    try traceWriter?.append(activity)
                } catch {
                    try? traceWriter?.flush()
                    throw CLIError("trace write failed at token \(activity.position): \(error); \(traceWriter?.tokensFlushed ?? 0) tokens are in \(traceOptions.trace ?? "")")
                }
                try logitsWriter?.append(row: logits)
                progress.update(activity.position + 1)
                if Interruption.requested { throw StopRun() }
            } stopping: { $0 is StopRun }
            progress.finish()
            let runSeconds = stopwatch.lap()
            if summary.tokens < tokens.ids.count {
                try traceWriter?.flush()
                note("interrupted after \(summary.tokens) of \(tokens.ids.count) tokens; the trace keeps them and stays marked incomplete")
            } else {
                try traceWriter?.finish(endTime: ISO8601DateFormatter().string(from: Date()))
                try logitsWriter?.finish()
            }
            let report = SimulationReport(summary: summary, settings: settings, checkpoint: checkpoint.directory.path,
                                          architecture: checkpoint.architecture, thresholdSource: thresholds.source,
                                          denseBaseline: simulator.denseBaseline(), trace: traceOptions.trace,
                                          timing: RunTiming(load: loadSeconds, run: runSeconds, tokens: summary.tokens))
            print(json ? try report.json() : report.table())
        }
    }
}

extension SimulationSettings.Mode: ExpressibleByArgument {}
