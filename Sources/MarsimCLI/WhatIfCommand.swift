import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimReport
import MarsimStudy
import MarsimTrace

/// `marsim whatif`: sweep neuron models × time steps × placements × threshold scales, simulate each once, cost each
/// trace under every profile, and write results.csv plus SVG plots.
public struct WhatIfCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Energy what-if study: sweep neuron model, T, placement and thresholds; cost every trace under every profile; plot.",
        discussion: """
        Each model configuration (neuron model × T × placement × threshold scale) is simulated once, with its trace \
        written to OUT/traces/; the trace is then read back and costed under every profile without \
        re-simulating. The dense model is run once as the reference point. Thresholds are calibrated \
        per T on --calibration-text (default: the input text), then multiplied by each scale; every \
        neuron model uses the same thresholds (V is the value of one unit of payload for all of them). \
        Placements are comma-separated; join sites of one placement with '+' (mixer.in_proj+mlp.down_proj@0-1).

        Writes OUT/results.csv (one row per configuration × profile), OUT/energy-vs-fidelity-PROFILE.svg \
        (J/token against bits per byte or KL, dense marked, 5–95% error bars for profiles with ranges), \
        OUT/breakdown-PROFILE.svg (stacked J/token by cost kind per configuration) and \
        OUT/break-even-PROFILE.svg (each spiking site's J/token relative to dense against its firing rate, \
        with each T's median site break-even rate). --json prints the same rows, the split and the paths \
        as one JSON object.

        Example:
          marsim whatif --text-file checkpoints/tiny-llamba-bytes/heldout.txt --limit 64 \\
              --timesteps 2,4 --placement mixer,all --out traces/whatif
          marsim whatif --text-file FILE --limit 512 --timesteps 1,2,4,8 \\
              --placement mixer,mlp,all --out DIR
        """
    )

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(help: ArgumentHelp("The text to run.", valueName: "file"))
    var textFile: String

    @Option(help: ArgumentHelp("Use at most this many tokens of the text.", valueName: "n"))
    var limit: Int = 512

    @Option(help: ArgumentHelp("Neuron models to try, comma-separated: " + NeuronRegistry.names.joined(separator: ", ") + ".",
                               valueName: "model,…"))
    var neuron: String = ATMNModel.name

    @Option(help: "lif only: reset the membrane by subtracting the threshold, or to zero.")
    var reset: NeuronReset = .subtract

    @Option(help: ArgumentHelp("graded only: bits b of each event's signed payload (2...8).", valueName: "b"))
    var spikeBits: Int = GradedNeuron.defaultSpikeBits

    @Option(help: ArgumentHelp("Ticks per token to try, comma-separated.", valueName: "T,…"))
    var timesteps: String = "1,2,4,8"

    @Option(help: ArgumentHelp("Placements to try, comma-separated (join sites of one placement with '+').", valueName: "p,…"))
    var placement: String = "mixer,mlp,all"

    @Option(help: ArgumentHelp("Threshold scale factors to try, comma-separated.", valueName: "s,…"))
    var thresholdScale: String = "1"

    @Option(help: ArgumentHelp("Calibration text (default: --text-file, from the token after the evaluated ones, so the two never overlap).", valueName: "file"))
    var calibrationText: String?

    @Option(help: ArgumentHelp("Skip this many tokens at the start of the calibration text (default: 0 for --calibration-text, --limit for the text itself).", valueName: "n"))
    var calibrationSkip: Int?

    @Option(help: ArgumentHelp("Calibrate on at most this many tokens.", valueName: "n"))
    var calibrationLimit: Int = 1024

    @Option(help: "Calibration rule: quantile, mse or output (learned per T and placement, site by site).")
    var calibrationRule: ThresholdRuleName = .quantile

    @Option(help: "Quantile q of |I| used by calibration.")
    var calibrationQuantile: Double = 0.99

    @OptionGroup var learning: OutputRuleOptions

    @Option(help: "Membrane leak divisor between ticks.")
    var tau: Float = 1

    @OptionGroup var profileOptions: ProfileOptions

    @OptionGroup var execution: ExecutionOptions

    @Option(help: "Trace level of the per-configuration traces.")
    var traceLevel: TraceLevel = .counts

    @Option(help: ArgumentHelp("Output folder (new or empty, unless --overwrite).", valueName: "dir"))
    var out: String

    @Flag(help: "Write into a non-empty --out folder, replacing files of the same names (others are left alone).")
    var overwrite = false

    @Flag(help: "Print one JSON object summarising the study (rows per configuration × profile, the split, the files written) instead of the tables.")
    var json = false

    @OptionGroup var sharding: ShardOptions

    @OptionGroup var slurm: SlurmOptions

    public init() {}

    /// A grid point and its results (the types live with the study, in MarsimStudy).
    typealias Configuration = WhatIfConfiguration
    typealias Row = WhatIfRow

    func parseList<T>(_ text: String, _ option: String, _ parse: (String) -> T?) throws -> [T] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = items.compactMap(parse)
        guard !items.isEmpty, values.count == items.count else { throw ValidationError("Please give --\(option) as a comma-separated list.") }
        return values
    }

    public func validate() throws {
        for name in try parseList(neuron, "neuron", { $0 }) { try validateNeuron(name, spikeBits: spikeBits) }
        let ts: [Int] = try parseList(timesteps, "timesteps") { Int($0) }
        guard ts.allSatisfy({ (1...255).contains($0) }) else { throw ValidationError("Please give --timesteps between 1 and 255.") }
        let scales: [Float] = try parseList(thresholdScale, "threshold-scale") { Float($0) }
        guard scales.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw ValidationError("Please give positive --threshold-scale values.") }
        guard limit >= 2 else { throw ValidationError("Please give a --limit of at least 2.") }
        guard tau > 0 else { throw ValidationError("Please give a positive --tau.") }
        guard calibrationLimit >= 1 else { throw ValidationError("Please give a --calibration-limit of at least 1.") }
        if let calibrationSkip, calibrationSkip < 0 { throw ValidationError("Please give a --calibration-skip of at least 0.") }
        try slurm.validate(shard: sharding.shard)
    }

    public func run() throws {
        try oneLineErrors { try sweep() }
    }

    private func sweep() throws {
        try OutputFolder.check(out, overwrite: overwrite)
        if slurm.slurm {
            try SlurmSubmission(command: "whatif", options: slurm, studyFolder: out, shardOutputOption: "--out").submit()
            return
        }
        let share = try sharding.spec()
        let profiles = try profileOptions.load()
        let study = WhatIfSweep(
            textFile: textFile, limit: limit, timesteps: try parseList(timesteps, "timesteps") { Int($0) },
            neurons: try parseList(neuron, "neuron") { $0 }, placementSpecs: placement.split(separator: ",").map(String.init),
            scales: try parseList(thresholdScale, "threshold-scale") { Float($0) }, tau: tau, reset: reset, spikeBits: spikeBits,
            calibrationText: calibrationText, calibrationSkip: calibrationSkip, calibrationLimit: calibrationLimit,
            calibrationRule: calibrationRule.kind, calibrationQuantile: calibrationQuantile, outputRule: learning.settings,
            profiles: profiles, traceLevel: traceLevel, execution: execution.apply,
            threads: execution.threads, out: out, shard: share, checkpointDirectory: checkpointOptions.resolvedDirectory().path,
            tokenizerFile: checkpointOptions.tokenizer, loadCheckpoint: checkpointOptions.load,
            identity: { try studyIdentity(checkpoint: $0, placements: $1, profiles: $2, units: $3) })
        guard let result = try study.run() else { return }
        try result.output.write(printTables: !json)
        if json {
            print(try JSONOutput.string(result.output.json(marsim: MarsimProvenance(command: "whatif", checkpoint_hash: result.checkpointHash),
                                                           split: result.split, splitOverlaps: result.splitOverlaps)))
        } else {
            print(result.splitLine)
        }
        if let unfinished = result.interruptedNote { note(unfinished) }
    }
}

extension WhatIfCommand {
    /// The study this command runs, whatever shard of it: the grid, the text, the checkpoint's and
    /// profiles' content, and every setting that changes a result (not threads, not `--out`).
    func studyIdentity(checkpoint: Checkpoint, placements: [String], profiles: [HardwareProfile], units: Int) throws -> StudyIdentity {
        var p: [String: String] = [
            "checkpoint_digest": checkpoint.identity(cache: execution.columnCache).contentHash,
            "text_digest": try ContentDigest.ofFile(textFile),
            "limit": String(limit),
            "timesteps": timesteps,
            "placement": placements.joined(separator: ","),
            "threshold_scale": thresholdScale,
            "calibration_text_digest": try calibrationText.map(ContentDigest.ofFile) ?? "the text",
            "calibration_rule": calibrationRule.rawValue,
            "calibration_quantile": "\(calibrationQuantile)",
            "calibration_window": "skip \(calibrationSkip.map(String.init) ?? "default") limit \(calibrationLimit)",
            "calibration_output_rule": learning.settings.summary,
            "tau": "\(tau)",
            "neuron": neuron,
            "neuron_options": "reset \(reset.rawValue) spike_bits \(spikeBits)",
            "trace_level": traceLevel.rawValue,
            "chunk": String(execution.chunk),
            "delivery": execution.delivery.rawValue,
        ]
        p["profiles"] = try profiles.map { "\($0.name)=" + (try $0.file.map(ContentDigest.ofFile) ?? "built-in") }.joined(separator: ",")
        return StudyIdentity(kind: "whatif", parameters: p, units: units)
    }
}
