import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport
import MarsimStudy

/// `marsim generate`: a greedy continuation of a prompt, dense or spiking.
public struct GenerateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print a greedy continuation of a prompt, from the dense or the spiking model.",
        discussion: """
        Mode: dense by default; --mode spiking decodes with the spiking model (thresholds from \
        --calibration-text, a --thresholds file or a fixed --threshold).

        Examples:
          marsim generate --prompt "The state space model " --tokens 80
          marsim generate --prompt "def " --mode spiking -T 8 \\
              --calibration-text checkpoints/tiny-llamba-bytes/heldout.txt
        """
    )

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(help: "The prompt text.")
    var prompt: String

    @Option(help: "How many tokens to generate.")
    var tokens: Int = 64

    @Option(help: "dense or spiking.")
    var mode: SimulationSettings.Mode = .dense

    @OptionGroup var spiking: SpikingOptions

    @OptionGroup var execution: ExecutionOptions

    @Flag(help: "Print one JSON object (prompt, continuation, token ids, timing) instead of the text.")
    var json = false

    public init() {}

    public func validate() throws {
        guard tokens >= 1 && tokens <= 100_000 else { throw ValidationError("Please give --tokens between 1 and 100000.") }
        try spiking.requireOneTimestep()
    }

    public func run() throws {
        try oneLineErrors {
            var stopwatch = Stopwatch()
            let checkpoint = try checkpointOptions.load()
            let promptIDs = try TextEncoding.encode(prompt, source: "--prompt", checkpoint: checkpoint).ids
            guard !promptIDs.isEmpty else { throw CLIError("--prompt has no tokens") }
            var spikingRun: PromptContinuation.Spiking?
            if mode == .spiking {
                let placement = try Placement(spiking.placement, shape: checkpoint.model.shape)
                let thresholds = try spiking.thresholdSet(checkpoint: checkpoint, sites: placement.sites,
                                                          input: .init(ids: promptIDs, name: "the prompt", file: nil))
                spikingRun = .init(placement: placement, thresholds: thresholds, parameters: spiking.parameters, delivery: execution.delivery)
            }
            let result = try PromptContinuation.run(checkpoint: checkpoint, prompt: promptIDs, count: tokens, spiking: spikingRun,
                                                    threads: execution.threads, chunk: execution.chunk, columnCache: execution.columnCache,
                                                    stopwatch: &stopwatch)
            let text = try TextEncoding.decode(result.ids, checkpoint: checkpoint)
            if json {
                print(try GenerationReport(mode: mode.rawValue, prompt: prompt, continuation: text, promptIDs: promptIDs, continuationIDs: result.ids,
                                           timing: result.timing, loadSeconds: result.loadSeconds).json())
            } else {
                print(prompt + text)
            }
        }
    }
}
