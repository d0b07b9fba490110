import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimPlot
import MarsimTrace

/// `marsim whatif`: sweep time steps × placements × threshold scales, simulate each once, cost each
/// trace under every profile, and write results.csv plus SVG plots.
public struct WhatIfCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Energy what-if study: sweep T, placement and thresholds; cost every trace under every profile; plot.",
        discussion: """
        Each model configuration (T × placement × threshold scale) is simulated once, with its trace \
        written to OUT/traces/; the trace is then read back and costed under every profile without \
        re-simulating. The dense model is run once as the reference point. Thresholds are calibrated \
        per T on --calibration-text (default: the input text), then multiplied by each scale. \
        Placements are comma-separated; join sites of one placement with '+' (mixer.in_proj+mlp.down_proj@0-1).

        Writes OUT/results.csv (one row per configuration × profile), OUT/energy-vs-fidelity-PROFILE.svg \
        (J/token against bits per byte or KL, dense marked), and OUT/breakdown-PROFILE.svg (stacked \
        J/token by cost kind per configuration).

        Example:
          marsim whatif --text-file heldout.txt --limit 512 \\
              --timesteps 1,2,4,8 --placement mixer,mlp,all --out traces/whatif
        """
    )

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(help: ArgumentHelp("The text to run.", valueName: "file"))
    var textFile: String

    @Option(help: ArgumentHelp("Use at most this many tokens of the text.", valueName: "n"))
    var limit: Int = 512

    @Option(help: ArgumentHelp("Ticks per token to try, comma-separated.", valueName: "T,…"))
    var timesteps: String = "1,2,4,8"

    @Option(help: ArgumentHelp("Placements to try, comma-separated (join sites of one placement with '+').", valueName: "p,…"))
    var placement: String = "mixer,mlp,all"

    @Option(help: ArgumentHelp("Threshold scale factors to try, comma-separated.", valueName: "s,…"))
    var thresholdScale: String = "1"

    @Option(help: ArgumentHelp("Calibration text (default: --text-file).", valueName: "file"))
    var calibrationText: String?

    @Option(help: "Calibration rule: quantile or mse.")
    var calibrationRule: ThresholdRuleName = .quantile

    @Option(help: "Quantile q of |I| used by calibration.")
    var calibrationQuantile: Double = 0.99

    @Option(help: "Membrane leak divisor between ticks.")
    var tau: Float = 1

    @OptionGroup var profileOptions: ProfileOptions

    @OptionGroup var execution: ExecutionOptions

    @Option(help: "Trace level of the per-configuration traces.")
    var traceLevel: TraceLevel = .counts

    @Option(help: ArgumentHelp("Output folder.", valueName: "dir"))
    var out: String

    public init() {}

    struct Configuration {
        var timesteps: Int
        var placement: String
        var scale: Float
        var name: String { "T\(timesteps)-\(placement.replacingOccurrences(of: "+", with: "_").replacingOccurrences(of: "@", with: "L"))-x\(scale)" }
    }

    func parseList<T>(_ text: String, _ option: String, _ parse: (String) -> T?) throws -> [T] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = items.compactMap(parse)
        guard !items.isEmpty, values.count == items.count else { throw ValidationError("Please give --\(option) as a comma-separated list.") }
        return values
    }

    public func validate() throws {
        let ts: [Int] = try parseList(timesteps, "timesteps") { Int($0) }
        guard ts.allSatisfy({ (1...255).contains($0) }) else { throw ValidationError("Please give --timesteps between 1 and 255.") }
        let scales: [Float] = try parseList(thresholdScale, "threshold-scale") { Float($0) }
        guard scales.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw ValidationError("Please give positive --threshold-scale values.") }
        guard limit >= 2 else { throw ValidationError("Please give a --limit of at least 2.") }
        guard tau > 0 else { throw ValidationError("Please give a positive --tau.") }
    }

    public func run() throws {
        try oneLineErrors { try sweep() }
    }

    private func sweep() throws {
        let checkpoint = try checkpointOptions.load()
        let shape = checkpoint.model.shape
        let profiles = try profileOptions.load()
        guard let data = FileManager.default.contents(atPath: textFile) else { throw CLIError("\(textFile): cannot read the text file") }
        let input = try TextEncoding.encode(String(decoding: data, as: UTF8.self), source: textFile, checkpoint: checkpoint)
        let tokens = Array(input.ids.prefix(limit))
        let calibrationTokens: [Int]
        if let calibrationText {
            guard let c = FileManager.default.contents(atPath: calibrationText) else { throw CLIError("\(calibrationText): cannot read the calibration text") }
            calibrationTokens = Array(try TextEncoding.encode(String(decoding: c, as: UTF8.self), source: calibrationText, checkpoint: checkpoint).ids.prefix(1024))
        } else {
            calibrationTokens = tokens
        }
        let ts: [Int] = try parseList(timesteps, "timesteps") { Int($0) }
        let placements = try placement.split(separator: ",").map { try Placement(String($0), shape: shape) }
        let scales: [Float] = try parseList(thresholdScale, "threshold-scale") { Float($0) }
        let outURL = URL(fileURLWithPath: out)
        let traceDir = outURL.appendingPathComponent("traces")
        try FileManager.default.createDirectory(at: traceDir, withIntermediateDirectories: true)

        var configurations: [Configuration] = []
        for t in ts { for p in placements { for s in scales { configurations.append(Configuration(timesteps: t, placement: p.specification, scale: s)) } } }
        var progress = Progress(label: "whatif", total: configurations.count + 1, minimumTotal: 1)

        // The dense reference, once.
        let denseSettings = SimulationSettings(mode: .dense, parameters: ATMNParameters(timesteps: 1, tau: 1),
                                               placement: try Placement("none", shape: shape), thresholds: ThresholdSet(values: [:], source: "none"))
        let dense = try simulateAndCost(checkpoint: checkpoint, settings: denseSettings, tokens: tokens, bytes: input.bytesOfToken,
                                        name: "dense", traceDir: traceDir, profiles: profiles)
        progress.update(1)

        // Thresholds: the dense activations are recorded once; thresholds are derived per T over every
        // site any placement uses, then each placement uses its subset, scaled.
        let allSites = shape.units.filter(Set(placements.flatMap(\.sites)).contains)
        let activations = try CalibrationActivations(model: checkpoint.model, tokens: calibrationTokens, sites: allSites,
                                                     sourceName: calibrationText ?? textFile)
        let rule = CalibrationRule(kind: calibrationRule == .mse ? .mse : .quantile, quantile: calibrationQuantile, scale: 1)
        var rows: [Row] = []
        var done = 1
        for t in ts {
            let parameters = ATMNParameters(timesteps: t, tau: tau)
            let calibrated = try ThresholdSet.calibrated(from: activations, shape: shape, sites: allSites, parameters: parameters, rule: rule)
            for p in placements {
                for s in scales {
                    let config = Configuration(timesteps: t, placement: p.specification, scale: s)
                    let settings = SimulationSettings(mode: .spiking, parameters: parameters, placement: p,
                                                      thresholds: calibrated.scaled(by: s))
                    var row = try simulateAndCost(checkpoint: checkpoint, settings: settings, tokens: tokens, bytes: input.bytesOfToken,
                                                  name: config.name, traceDir: traceDir, profiles: profiles)
                    row.configuration = config
                    rows.append(row)
                    done += 1
                    progress.update(done)
                }
            }
        }
        progress.finish()
        try WhatIfOutput(dense: dense, rows: rows, profiles: profiles.map(\.name), out: outURL).write()
    }

    /// One simulated configuration and its costs under each profile.
    struct Row {
        var configuration: Configuration?
        var summary: SimulationSummary
        var trace: String
        var reports: [EnergyReport]
        /// Per profile, decode and prefill energy (prefill: the tokens that ran in chunks).
        var phases: [PhaseEnergy] = []
    }

    private func simulateAndCost(checkpoint: Checkpoint, settings: SimulationSettings, tokens: [Int], bytes: ((Int) -> Int)?,
                                 name: String, traceDir: URL, profiles: [HardwareProfile]) throws -> Row {
        let simulator = try Simulator(model: checkpoint.model, settings: execution.apply(to: settings), progress: note)
        let path = traceDir.appendingPathComponent(name + ".h5").path
        let writer = try TraceWriter(path: path, metadata: RunRecord.metadata(checkpoint: checkpoint, simulator: simulator, tokens: tokens,
                                                                               thresholds: settings.thresholds), level: traceLevel)
        let summary = try simulator.run(tokens: tokens, bytesOfToken: bytes) { activity, _ in try writer.append(activity) }
        try writer.finish(endTime: ISO8601DateFormatter().string(from: Date()))
        // Re-cost from the trace alone: what `marsim energy` would do.
        let reader = try TraceReader(path: path)
        let inputs = EnergyInputs(metadata: reader.metadata, counts: try reader.counts(),
                                  chunkLengths: try reader.chunkLengths(), sharedWeightReads: try reader.sharedWeightReads())
        return Row(configuration: nil, summary: summary, trace: path,
                   reports: try profiles.map { try EnergyModel.report(profile: $0, inputs: inputs) },
                   phases: try profiles.map { try EnergyModel.phases(profile: $0, inputs: inputs) })
    }
}
