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

    /// `generate --json`.
    struct Report: Encodable {
        struct Timing: Encodable {
            var load_s: Double
            var prefill_tokens: Int
            var prefill_ms_per_token: Double
            var decode_tokens: Int
            var decode_ms_per_token: Double
        }
        var mode: String
        var prompt: String
        var continuation: String
        var prompt_ids: [Int]
        var continuation_ids: [Int]
        var timing: Timing
    }

    public func validate() throws {
        guard tokens >= 1 && tokens <= 100_000 else { throw ValidationError("Please give --tokens between 1 and 100000.") }
    }

    public func run() throws {
        try oneLineErrors {
            var stopwatch = Stopwatch()
            let checkpoint = try checkpointOptions.load()
            let promptIDs = try TextEncoding.encode(prompt, source: "--prompt", checkpoint: checkpoint).ids
            guard !promptIDs.isEmpty else { throw CLIError("--prompt has no tokens") }
            let ids: [Int]
            var timing = GreedyGeneration.Timing()
            var loadSeconds = 0.0
            switch mode {
            case .dense:
                var runner = DenseRunner(threads: execution.threads)
                let model = try checkpoint.model.preparedForRun(spikingSites: [], cache: execution.columnCache, progress: note)
                loadSeconds = stopwatch.lap()
                ids = try GreedyGeneration.continuation(model: model, prompt: promptIDs, count: tokens, runner: &runner,
                                                    chunk: execution.chunk, timing: { timing = $0 })
            case .spiking:
                let placement = try Placement(spiking.placement, shape: checkpoint.model.shape)
                let thresholds = try spiking.thresholdSet(checkpoint: checkpoint, sites: placement.sites,
                                                          input: .init(ids: promptIDs, name: "the prompt", file: nil))
                let model = try checkpoint.model.preparedForRun(spikingSites: placement.sites, cache: execution.columnCache, progress: note)
                var runner = try SpikingRunner(model: model, placement: placement, thresholds: thresholds,
                                               parameters: spiking.parameters, threads: execution.threads)
                runner.delivery = execution.delivery
                loadSeconds = stopwatch.lap()
                ids = try GreedyGeneration.continuation(model: model, prompt: promptIDs, count: tokens, runner: &runner,
                                                    chunk: execution.chunk, timing: { timing = $0 })
            }
            let text = try TextEncoding.decode(ids, checkpoint: checkpoint)
            if json {
                func ms(_ s: Double, _ n: Int) -> Double { n == 0 ? 0 : s * 1000 / Double(n) }
                let report = Report(mode: mode.rawValue, prompt: prompt, continuation: text, prompt_ids: promptIDs, continuation_ids: ids,
                                    timing: .init(load_s: loadSeconds, prefill_tokens: timing.prefillTokens,
                                                  prefill_ms_per_token: ms(timing.prefillSeconds, timing.prefillTokens),
                                                  decode_tokens: timing.decodeTokens,
                                                  decode_ms_per_token: ms(timing.decodeSeconds, timing.decodeTokens)))
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(prompt + text)
            }
        }
    }
}
