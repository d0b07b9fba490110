import ArgumentParser
import MarsimBench
import Dispatch
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimTrace

// MARK: - Command

/// `marsim bench`: decode speed of the dense and spiking engines against the machine's limits.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure dense and spiking decode speed (ms per token) against the machine's bandwidth and add limits.",
        discussion: """
        Builds a synthetic model of the chosen shape with deterministic random weights (no download; \
        see SyntheticModel) and also runs a checkpoint (--checkpoint, default the embedded \
        checkpoints/tiny-llamba-bytes; --no-fixture skips it).

        Per token, after warm-up, as medians with min–max over interleaved rounds: dense decode; \
        spiking decode (placement all, T = 4, lm_head dense) with thresholds steered to about 5%, 20% \
        and 50% firing, timing the spiking forward pass alone (ForwardPass.step with a SpikingRunner; \
        `simulate` also runs the dense model beside it for fidelity, which this excludes); the cost \
        of handing each token's activity to a trace sink at levels events and counts; peak resident \
        memory.

        Limits measured in the same run, after every round: read bandwidth (a sum over the model's \
        embedding, all threads) gives the dense bound = weight bytes per token ÷ bandwidth; add \
        throughput (weight columns streamed from DRAM) gives the spiking bound = ACs ÷ adds per second.

        With --checkpoint DIR, benchmarks that checkpoint the way users run it instead: load time; \
        known text (--known-tokens random ids) in chunks (--chunk), dense, as simulate/eval/whatif \
        run it, with its GFLOP/s against the SGEMM ceiling measured in the same run; dense decode \
        one token at a time; spiking (MAR's sites, T = --timesteps, thresholds steered to --firing) \
        with the dense model beside it, known text and decode; peak resident memory of each phase; \
        then dense and spiking known text alternated round by round, for a ratio both measured on \
        the same machine state.

        Time a release build (make release; figures from a debug build mean little).

        Examples:
          marsim bench --shape tiny --tokens 2 --runs 1 --warmup 1   # slow: limits take minutes in a debug build
          marsim bench --shape llamba-1b          # slow: 5 GB of weights, minutes
          marsim bench --shape llamba-1b --tokens 2 --runs 1 --warmup 0 --no-fixture --keep-traces traces/llamba-1b  # slow: then marsim energy traces/llamba-1b/counts.h5
          marsim bench --checkpoint DIR --json
        """
    )

    @Option(help: "Synthetic model shape: tiny (the embedded checkpoint's shape) or llamba-1b (1.27 B parameters, 5.1 GB of fp32 weights).")
    var shape: SyntheticShape = .llamba1b

    @Option(help: "Timed tokens per configuration and round.")
    var tokens: Int = 8

    @Option(help: "Timed rounds: in each, every configuration decodes one untimed and --tokens timed tokens; figures are medians over all timed tokens.")
    var runs: Int = 3

    @Option(help: "Untimed warm-up tokens before the first run.")
    var warmup: Int = 2


    @Option(help: "Seed of the synthetic weights and token ids.")
    var seed: UInt64 = SyntheticModel.defaultSeed

    @Option(help: "Ticks per token T of the spiking runs.")
    var timesteps: Int = 4

    @OptionGroup(title: "Checkpoint benchmarked beside the synthetic model")
    var checkpointOptions: CheckpointOptions

    @Flag(help: "Skip the checkpoint (by default the embedded tiny one).")
    var noFixture = false

    @Option(help: "With --checkpoint: known tokens per timed pass.")
    var knownTokens: Int = 256

    @Option(help: "With --checkpoint: tokens decoded one at a time per timed pass.")
    var decodeTokens: Int = 16

    @Option(help: "With --checkpoint: the firing rate spiking thresholds are steered to.")
    var firing: Double = 0.10

    @OptionGroup(title: "Execution (--chunk, --delivery and the column cache apply with --checkpoint)")
    var execution: ExecutionOptions

    /// Worker threads (default: all cores).
    var threads: Int { execution.threads }

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Synthetic model: keep the ~20%-firing lane's traces (counts.h5, events.h5) in this folder, to cost a model of this shape with `marsim energy`.", valueName: "dir"))
    var keepTraces: String?

    public init() {}

    public func validate() throws {
        guard threads >= 1 else { throw ValidationError("Please give --threads of at least 1.") }
        guard knownTokens >= 1, decodeTokens >= 1 else { throw ValidationError("Please give --known-tokens and --decode-tokens ≥ 1.") }
        guard firing > 0, firing < 1 else { throw ValidationError("Please give a --firing rate in (0, 1).") }
        guard tokens >= 1, runs >= 1, warmup >= 0 else { throw ValidationError("Please give --tokens and --runs ≥ 1 and --warmup ≥ 0.") }
        guard (1...255).contains(timesteps) else { throw ValidationError("Please give --timesteps between 1 and 255.") }
    }

    public func run() throws {
        try oneLineErrors {
            var log = BenchLog(quiet: false)
            if checkpointOptions.checkpoint != nil {
                let options = CheckpointBench.Options(tokens: knownTokens, decodeTokens: decodeTokens, rounds: runs, chunk: execution.chunk,
                                                      threads: execution.threads, timesteps: timesteps, firing: firing,
                                                      delivery: execution.delivery, columnCache: execution.columnCache)
                let report = try CheckpointBench.run(directory: checkpointOptions.resolvedDirectory(), options: options, log: &log)
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    print(String(decoding: try encoder.encode(report), as: UTF8.self))
                } else {
                    print(report.table())
                }
                return
            }
            var options = SyntheticBench.Options(shape: shape, seed: seed, tokens: tokens, runs: runs, warmup: warmup, threads: threads,
                                                 timesteps: timesteps,
                                                 checkpoint: noFixture ? nil : checkpointOptions.resolvedDirectory())
            options.traceFolder = keepTraces.map { URL(fileURLWithPath: $0) }
            let report = try SyntheticBench.run(options, log: &log)
            print(json ? try report.json() : report.table())
        }
    }
}

extension SyntheticShape: ExpressibleByArgument {}
