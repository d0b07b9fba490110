import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimPlot
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
        (J/token against bits per byte or KL, dense marked), and OUT/breakdown-PROFILE.svg (stacked \
        J/token by cost kind per configuration). --json prints the same rows, the split and the paths \
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

    struct Configuration: Codable, Equatable {
        var neuron: String = ATMNModel.name
        var timesteps: Int
        var placement: String
        var scale: Float
        /// The configuration's file name (sanitised: a placement is text from the command line);
        /// ATMN configurations keep the names they had before neuron models were a sweep axis.
        var name: String {
            sanitizedFileName((neuron == ATMNModel.name ? "" : neuron + "-") + "T\(timesteps)-\(placement.replacingOccurrences(of: "+", with: "_").replacingOccurrences(of: "@", with: "L"))-x\(scale)")
        }
    }

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

    /// Refuses an `--out` that is not a directory, or is not empty (unless `--overwrite`).
    private func checkOutputFolder() throws {
        try Self.checkOutputFolder(out, overwrite: overwrite)
    }

    /// Refuses an `out` that is not a directory, or is not empty (unless `overwrite`).
    static func checkOutputFolder(_ out: String, overwrite: Bool) throws {
        var info = stat()
        guard lstat(out, &info) == 0 else {
            if errno == ENOTDIR { throw CLIError("\(out): cannot create the --out folder: a parent of it is a file") }
            return  // created later
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("\(out): --out must be a folder, and this is a file")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        if !entries.isEmpty && !overwrite {
            throw CLIError("\(out): --out is not empty (\(entries.count) entries); choose a new folder or add --overwrite to replace files of the same names")
        }
    }

    private func sweep() throws {
        try checkOutputFolder()
        if slurm.slurm {
            try SlurmSubmission(command: "whatif", options: slurm, studyFolder: out, shardOutputOption: "--out").submit()
            return
        }
        let share = try sharding.spec()
        let profiles = try profileOptions.load()
        let profileFiles = profiles.map { sanitizedFileName($0.name) }
        for (i, name) in profileFiles.enumerated() {
            if let j = profileFiles[..<i].firstIndex(of: name) {
                throw CLIError("profiles '\(profiles[j].name)' and '\(profiles[i].name)' would write the same plot files (\(name)); give them distinct names")
            }
        }
        let ts: [Int] = try parseList(timesteps, "timesteps") { Int($0) }
        let scales: [Float] = try parseList(thresholdScale, "threshold-scale") { Float($0) }
        let neurons: [String] = try parseList(neuron, "neuron") { $0 }
        let placementSpecs = placement.split(separator: ",").map(String.init)

        // Every file this study writes, checked against its inputs and each other before any is written.
        let outURL = URL(fileURLWithPath: out)
        let traceDir = outURL.appendingPathComponent("traces")
        var plan = OutputPlan()
        plan.inputs(checkpointOptions)
        plan.input(textFile, "--text-file")
        plan.input(calibrationText, "--calibration-text file")
        for profile in profiles { plan.input(profile.file, "profile \(profile.name)") }
        if share == nil { plan.output(outURL.appendingPathComponent("results.csv").path, "results file") }
        for name in profileFiles where share == nil {
            plan.output(outURL.appendingPathComponent("energy-vs-fidelity-\(name).svg").path, "plot")
            plan.output(outURL.appendingPathComponent("breakdown-\(name).svg").path, "plot")
        }

        let checkpoint = try checkpointOptions.load()
        let shape = checkpoint.model.shape
        let input = try TextEncoding.encode(try InputFile.readText(textFile, label: "text file"), source: textFile, checkpoint: checkpoint)
        let tokens = Array(input.ids.prefix(limit))
        guard tokens.count >= 2 else { throw CLIError("\(textFile): the text has \(tokens.count) token(s); a what-if study needs at least 2") }
        // Calibrate on tokens the study does not evaluate: by default the text's own tokens after the
        // evaluated ones.
        let calibration: CalibrationTokens
        if let calibrationText {
            calibration = try CalibrationTokens(file: calibrationText, checkpoint: checkpoint, skip: calibrationSkip ?? 0, limit: calibrationLimit)
        } else {
            guard input.ids.count > (calibrationSkip ?? tokens.count) else {
                throw CLIError("\(textFile): no tokens after the \(tokens.count) evaluated ones to calibrate on; give --calibration-text "
                               + "(or a --limit below \(input.ids.count))")
            }
            calibration = try CalibrationTokens(ids: input.ids, source: textFile, skip: calibrationSkip ?? tokens.count, limit: calibrationLimit)
        }
        let split = "evaluated on \(textFile) tokens 0–\(tokens.count - 1); thresholds calibrated on \(calibration.sourceName)"
        let sameText = calibrationText == nil || FileIdentity(path: calibrationText!) == FileIdentity(path: textFile)
        let overlaps = sameText && (calibrationSkip ?? (calibrationText == nil ? tokens.count : 0)) < tokens.count
        let splitLine = "split: \(split)" + (overlaps ? " (they overlap: fidelity is flattered)" : " (disjoint)")
        note("whatif " + splitLine)
        let placements = try placementSpecs.map { try Placement($0, shape: shape) }

        var configurations: [Configuration] = []
        // Grid order = sweep order (T, then neuron model, placement, scale): work unit i + 1 is configurations[i].
        for t in ts { for m in neurons { for p in placements { for s in scales {
            configurations.append(Configuration(neuron: m, timesteps: t, placement: p.specification, scale: s))
        } } } }
        var names: [String: Configuration] = [:]
        for config in configurations {
            if let other = names[config.name] {
                throw CLIError("configurations \(other.neuron) T=\(other.timesteps) \(other.placement) ×\(other.scale) and \(config.neuron) T=\(config.timesteps) \(config.placement) ×\(config.scale) would share the trace name \(config.name)")
            }
            names[config.name] = config
        }
        // Work units: 0 is the dense reference, 1… the configurations in grid order; a shard runs its share.
        let owns = { (unit: Int) in share?.owns(unit) ?? true }
        if owns(0) { plan.trace(traceDir.appendingPathComponent("dense.h5").path, "trace") }
        for (i, config) in configurations.enumerated() where owns(i + 1) {
            plan.trace(traceDir.appendingPathComponent(config.name + ".h5").path, "trace")
        }
        if share != nil { plan.output(outURL.appendingPathComponent(WhatIfStudy.rowsFile).path, "shard results") }
        try OutputTarget.createDirectories(traceDir.path)
        try plan.check()

        Interruption.install()
        let ownedCount = (0...configurations.count).filter(owns).count
        var progress = Progress(label: share.map { "whatif shard \($0)" } ?? "whatif", total: ownedCount, minimumTotal: 1)

        // The dense reference, once.
        var dense: Row?
        if owns(0) {
            let denseSettings = SimulationSettings(mode: .dense, parameters: ATMNParameters(timesteps: 1, tau: 1),
                                                   placement: try Placement("none", shape: shape), thresholds: ThresholdSet(values: [:], source: "none"))
            guard let row = try simulateAndCost(checkpoint: checkpoint, settings: denseSettings, tokens: tokens, bytes: input.bytesOfToken,
                                                name: "dense", traceDir: traceDir, profiles: profiles) else {
                progress.finish()
                note("interrupted during the dense reference run; nothing costed (its trace is kept, marked incomplete)")
                return
            }
            dense = row
            progress.update(1)
        }

        // Thresholds: the dense activations are recorded once; thresholds are derived per T over every
        // site any placement uses, then each placement uses its subset, scaled.
        // (Over every site of the whole grid, also in a shard, so its thresholds equal the unsharded run's.)
        let allSites = shape.units.filter(Set(placements.flatMap(\.sites)).contains)
        let activations = configurations.indices.contains(where: { owns($0 + 1) })
            ? try CalibrationActivations(model: checkpoint.model, tokens: calibration.ids, sites: allSites, sourceName: calibration.sourceName)
            : nil
        let rule = CalibrationRule(kind: calibrationRule.kind, quantile: calibrationQuantile, scale: 1, output: learning.settings)
        var rows: [Row] = []
        var rowUnits: [Int] = []
        var done = dense == nil ? 0 : 1
        var interrupted = false
        var unit = 0
        sweepLoop: for t in ts {
            let parameters = ATMNParameters(timesteps: t, tau: tau)
            let unitsOfT = (unit + 1)...(unit + neurons.count * placements.count * scales.count)
            guard let activations, unitsOfT.contains(where: owns) else {
                unit = unitsOfT.upperBound
                continue
            }
            let calibrated = rule.kind == .output ? nil
                : try ThresholdSet.calibrated(from: activations, shape: shape, sites: allSites, parameters: parameters, rule: rule)
            for m in neurons { for p in placements {
                let unitsOfP = (unit + 1)...(unit + scales.count)
                guard unitsOfP.contains(where: owns) else {
                    unit = unitsOfP.upperBound
                    continue
                }
                // The output rule learns each placement's sites in order, the earlier ones spiking (ATMN's
                // decoding, like every rule: the same thresholds serve every neuron model).
                let placed = try calibrated ?? SequentialCalibration.run(
                    model: checkpoint.model, tokens: calibration.ids, sites: p.sites, parameters: parameters, rule: rule,
                    sourceName: calibration.sourceName, activations: activations, threads: execution.threads).thresholds
                for s in scales {
                    unit += 1
                    guard owns(unit) else { continue }
                    let config = Configuration(neuron: m, timesteps: t, placement: p.specification, scale: s)
                    let thresholds = try placed.scaled(by: s).checkedFinite()
                    let neuron = NeuronParameters(model: m, timesteps: t, tau: tau, reset: reset, spikeBits: spikeBits)
                    let settings = SimulationSettings(mode: .spiking, parameters: neuron, placement: p, thresholds: thresholds)
                    guard var row = try simulateAndCost(checkpoint: checkpoint, settings: settings, tokens: tokens, bytes: input.bytesOfToken,
                                                        name: config.name, traceDir: traceDir, profiles: profiles) else {
                        interrupted = true
                        break sweepLoop
                    }
                    row.configuration = config
                    rows.append(row)
                    rowUnits.append(unit)
                    done += 1
                    progress.update(done)
                }
            } }
        }
        progress.finish()
        let checkpointName = (checkpointOptions.resolvedDirectory().path as NSString).lastPathComponent
        let caption = "marsim \(marsimVersion) · \(checkpointName) · \(tokens.count) tokens of \((textFile as NSString).lastPathComponent) · "
            + "thresholds: \(calibrationRule.rawValue) rule on \(calibration.sourceName)"
        if let share {
            guard !interrupted else {
                note("interrupted: shard \(share) is unfinished (no \(ShardManifest.fileName) written); run it again")
                return
            }
            let study = try studyIdentity(checkpoint: checkpoint, placements: placements.map(\.specification), profiles: profiles,
                                          units: configurations.count + 1)
            try WhatIfStudy.writeShard(study: study, shard: share, out: out, dense: dense, rows: Array(zip(rowUnits, rows)),
                                       caption: caption)
            return
        }
        let output = WhatIfOutput(dense: dense!, rows: rows, profiles: profiles.map(\.name), profileFiles: profileFiles, out: outURL,
                                  caption: caption)
        try output.write(printTables: !json)
        if json {
            print(try JSONOutput.string(output.json(
                marsim: MarsimProvenance(command: "whatif", checkpoint_hash: checkpoint.identity().contentHash),
                split: split, splitOverlaps: overlaps)))
        } else {
            print(splitLine)
        }
        if interrupted {
            note("interrupted: \(rows.count) of \(configurations.count) configurations finished and are in the results; "
                 + "the trace of the one running is kept, marked incomplete")
        }
    }

    /// One simulated configuration and its costs under each profile.
    struct Row: Codable {
        var configuration: Configuration?
        var summary: WhatIfSummary
        var trace: String
        var reports: [EnergyReport]
        /// Per profile, decode and prefill energy (prefill: the tokens that ran in chunks).
        var phases: [PhaseEnergy] = []
    }

    /// Simulates one configuration with its trace, then costs the trace under every profile.
    /// Returns nil when SIGINT/SIGTERM stopped the run (its trace is then published, incomplete).
    private func simulateAndCost(checkpoint: Checkpoint, settings: SimulationSettings, tokens: [Int], bytes: ((Int) -> Int)?,
                                 name: String, traceDir: URL, profiles: [HardwareProfile]) throws -> Row? {
        let simulator = try Simulator(model: checkpoint.model, settings: execution.apply(to: settings), progress: note)
        let path = traceDir.appendingPathComponent(name + ".h5").path
        let writer = try TraceWriter(path: path, metadata: simulator.runMetadata(checkpoint: checkpoint.identity(), tokens: tokens), level: traceLevel)
        let summary: SimulationSummary
        do {
            summary = try simulator.run(tokens: tokens, bytesOfToken: bytes) { activity, _ in
                try writer.append(activity)
                if Interruption.requested { throw StopRun() }
            } stopping: { $0 is StopRun }
            if summary.tokens < tokens.count {
                try writer.publishIncomplete()
                return nil
            }
            try writer.finish(endTime: ISO8601DateFormatter().string(from: Date()))
        } catch {
            if let kept = writer.abandon() { note("the tokens traced before the failure are in \(kept)") }
            throw error
        }
        // Re-cost from the trace alone: what `marsim energy` would do.
        let reader = try TraceReader(path: path)
        let inputs = EnergyInputs(metadata: reader.metadata, counts: try reader.counts(),
                                  chunkLengths: try reader.chunkLengths(), sharedWeightReads: try reader.sharedWeightReads())
        let spikingSites = settings.mode == .dense ? [] : settings.spikingSites
        return Row(configuration: nil, summary: WhatIfSummary(summary, denseBaseline: simulator.denseBaseline(), spikingSites: spikingSites,
                                                              timesteps: settings.parameters.timesteps), trace: path,
                   reports: try profiles.map { try EnergyModel.report(profile: $0, inputs: inputs) },
                   phases: try profiles.map { try EnergyModel.phases(profile: $0, inputs: inputs) })
    }
}
