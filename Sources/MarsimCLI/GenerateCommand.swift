import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine

/// `marsim generate`: a greedy continuation of a prompt, dense or spiking.
public struct GenerateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print a greedy continuation of a prompt, from the dense or the spiking model.",
        discussion: """
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

    public init() {}

    public func validate() throws {
        guard tokens >= 1 && tokens <= 100_000 else { throw ValidationError("Please give --tokens between 1 and 100000.") }
    }

    public func run() throws {
        try oneLineErrors {
            let checkpoint = try checkpointOptions.load()
            let promptIDs = try TextEncoding.encode(prompt, source: "--prompt", checkpoint: checkpoint).ids
            guard !promptIDs.isEmpty else { throw CLIError("--prompt has no tokens") }
            let ids: [Int]
            switch mode {
            case .dense:
                var runner = DenseRunner()
                ids = try GreedyGeneration.continuation(model: checkpoint.model, prompt: promptIDs, count: tokens, runner: &runner)
            case .spiking:
                let placement = try Placement(spiking.placement, shape: checkpoint.model.shape)
                let thresholds = try spiking.thresholdSet(checkpoint: checkpoint, sites: placement.sites)
                var runner = try SpikingRunner(model: checkpoint.model, placement: placement, thresholds: thresholds, parameters: spiking.parameters)
                ids = try GreedyGeneration.continuation(model: checkpoint.model, prompt: promptIDs, count: tokens, runner: &runner)
            }
            print(prompt + (try TextEncoding.decode(ids, checkpoint: checkpoint)))
        }
    }
}
