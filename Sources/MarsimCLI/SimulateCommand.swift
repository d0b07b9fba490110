import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport
import MarsimStudy

/// `marsim simulate`: run a checkpoint over a token sequence, dense or as a spiking network.
public struct SimulateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a checkpoint dense or as a spiking network; report spikes, operations and fidelity.",
        discussion: """
        Mode: spiking by default, with the dense model run beside it, so every position reports \
        KL(dense‖spiking), top-1 agreement and bits per byte for both; --mode dense runs the model \
        alone.

        Examples:
          marsim simulate --text "The state space" --mode dense
          marsim simulate --text-file checkpoints/tiny-llamba-bytes/heldout.txt --limit 256 \\
              --timesteps 4 --placement all --calibration-text checkpoints/tiny-llamba-bytes/heldout.txt --json
          marsim simulate --input-ids 72,101,108,108,111 --threshold 0.05 \\
              --placement mixer.in_proj,mlp.down_proj@0-1
          marsim simulate --text "hello spiking world" --calibration-text checkpoints/tiny-llamba-bytes/heldout.txt \\
              --trace traces/run.h5 --trace-level events
          marsim simulate --checkpoint DIR --text-file FILE --limit 256 --json
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

    public func validate() throws { try spiking.requireOneTimestep() }

    public func run() throws {
        try oneLineErrors {
            // Outputs are checked against inputs and each other before anything is loaded or written.
            var plan = OutputPlan()
            plan.inputs(checkpointOptions)
            plan.input(input.textFile, "--text-file")
            plan.input(spiking.thresholds, "--thresholds file")
            plan.input(spiking.calibrationText, "--calibration-text file")
            plan.trace(traceOptions.trace, "--trace file")
            plan.output(saveLogits, "--save-logits file")
            try plan.check()

            var stopwatch = Stopwatch()
            let checkpoint = try checkpointOptions.load()
            let tokens = try input.tokens(for: checkpoint)
            let placement = try Placement(mode == .dense ? "none" : spiking.placement, shape: checkpoint.model.shape)
            let thresholds = mode == .dense ? ThresholdSet(values: [:], source: "none")
                : try spiking.thresholdSet(checkpoint: checkpoint, sites: placement.sites,
                                           input: .init(ids: tokens.ids, name: input.textFile ?? "the run's input", file: input.textFile))
            let settings = execution.apply(to: SimulationSettings(mode: mode, parameters: spiking.parameters, placement: placement,
                                                                  thresholds: thresholds, tickPeriodMs: traceOptions.tickPeriodMs))
            let simulator = try Simulator(model: checkpoint.model, settings: settings, progress: note)
            // The content hash reads every weight once (≈ 1 s per 5 GB unless cached): part of loading.
            let identity = checkpoint.identity(cache: execution.columnCache)
            let loadSeconds = stopwatch.lap()
            // Every output is created (under a temporary name) before the first token runs, so a bad
            // path fails at once; the files at the given paths change only when the run ends.
            let traceWriter = try RunRecord.openWriter(traceOptions, metadata: simulator.runMetadata(
                checkpoint: identity, tokens: tokens.ids))
            let logitsWriter: SafetensorsMatrixWriter?
            do {
                logitsWriter = try saveLogits.map {
                    try SafetensorsMatrixWriter(path: $0, name: "logits", rows: tokens.ids.count, columns: checkpoint.model.shape.vocabSize)
                }
            } catch {
                traceWriter?.abandon()
                throw error
            }
            let (summary, runSeconds) = try SimulationRun.run(simulator: simulator, tokens: tokens, trace: traceWriter, logits: logitsWriter,
                                                              stopwatch: &stopwatch)
            let report = SimulationReport(summary: summary, settings: settings, checkpoint: checkpoint.directory.path,
                                          architecture: checkpoint.architecture, thresholdSource: thresholds.source,
                                          denseBaseline: simulator.denseBaseline(), trace: traceOptions.trace,
                                          timing: RunTiming(load: loadSeconds, run: runSeconds, tokens: summary.tokens),
                                          checkpointHash: identity.contentHash)
            print(json ? try report.json() : report.table())
            if report.non_finite_logit_tokens > 0 {
                note("warning: non-finite logits at \(report.non_finite_logit_tokens) of \(summary.tokens) tokens: fidelity is undefined")
            }
        }
    }
}

extension SimulationSettings.Mode: ExpressibleByArgument {}
