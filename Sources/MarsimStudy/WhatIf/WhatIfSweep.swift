import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimReport
import MarsimTrace

/// One point of a what-if grid: a neuron model at T ticks per token, a placement, a threshold scale.
public struct WhatIfConfiguration: Codable, Equatable {
    public var neuron: String = ATMNModel.name
    public var timesteps: Int
    public var placement: String
    public var scale: Float

    public init(neuron: String = ATMNModel.name, timesteps: Int, placement: String, scale: Float) {
        self.neuron = neuron
        self.timesteps = timesteps
        self.placement = placement
        self.scale = scale
    }

    /// The configuration's file name (sanitised: a placement is text from the command line);
    /// ATMN configurations keep the names they had before neuron models were a sweep axis.
    public var name: String {
        sanitizedFileName((neuron == ATMNModel.name ? "" : neuron + "-") + "T\(timesteps)-\(placement.replacingOccurrences(of: "+", with: "_").replacingOccurrences(of: "@", with: "L"))-x\(scale)")
    }
}

/// One simulated configuration (nil: the dense reference) and its costs under each profile.
public struct WhatIfRow: Codable {
    public var configuration: WhatIfConfiguration?
    public var summary: WhatIfSummary
    public var trace: String
    public var reports: [EnergyReport]
    /// Per profile, decode and prefill energy (prefill: the tokens that ran in chunks).
    public var phases: [PhaseEnergy] = []
}

/// A what-if study run here: every configuration of the grid (or a shard's share of them)
/// simulated once with its trace, each trace re-costed from the file under every profile, and the
/// dense model run once as the reference. What `marsim whatif` runs after parsing its options.
public struct WhatIfSweep {
    /// The text evaluated, and how many of its tokens.
    public var textFile: String
    public var limit: Int
    /// The grid's axes, in sweep order (T, then neuron model, placement, scale).
    public var timesteps: [Int]
    public var neurons: [String]
    public var placementSpecs: [String]
    public var scales: [Float]
    /// Neuron parameters beside T (the same for every configuration).
    public var tau: Float
    public var reset: NeuronReset
    public var spikeBits: Int
    /// Calibration: a text (default: the evaluated text, after the evaluated tokens), its window and rule.
    public var calibrationText: String?
    public var calibrationSkip: Int?
    public var calibrationLimit: Int
    public var calibrationRule: CalibrationRule.Kind
    public var calibrationQuantile: Double
    public var outputRule: OutputRuleSettings
    /// Profiles every trace is costed under (loaded; their names must give distinct file names).
    public var profiles: [HardwareProfile]
    public var traceLevel: TraceLevel
    /// Applies the execution options (chunk, delivery, cache, threads) to a run's settings.
    public var execution: (SimulationSettings) -> SimulationSettings
    /// Worker threads of the output rule's calibration.
    public var threads: Int
    /// The output folder, and the shard of the study this process runs (nil: all of it).
    public var out: String
    public var shard: ShardSpec?
    /// The checkpoint's directory and `--tokenizer` file (inputs no output may replace), and how to load it.
    public var checkpointDirectory: String
    public var tokenizerFile: String?
    public var loadCheckpoint: () throws -> Checkpoint
    /// The study's identity for shard manifests: (checkpoint, placements, profiles, work units).
    public var identity: (Checkpoint, [String], [HardwareProfile], Int) throws -> StudyIdentity

    public init(textFile: String, limit: Int, timesteps: [Int], neurons: [String], placementSpecs: [String], scales: [Float],
                tau: Float, reset: NeuronReset, spikeBits: Int, calibrationText: String?, calibrationSkip: Int?, calibrationLimit: Int,
                calibrationRule: CalibrationRule.Kind, calibrationQuantile: Double, outputRule: OutputRuleSettings,
                profiles: [HardwareProfile], traceLevel: TraceLevel, execution: @escaping (SimulationSettings) -> SimulationSettings,
                threads: Int, out: String, shard: ShardSpec?, checkpointDirectory: String, tokenizerFile: String?,
                loadCheckpoint: @escaping () throws -> Checkpoint,
                identity: @escaping (Checkpoint, [String], [HardwareProfile], Int) throws -> StudyIdentity) {
        self.textFile = textFile
        self.limit = limit
        self.timesteps = timesteps
        self.neurons = neurons
        self.placementSpecs = placementSpecs
        self.scales = scales
        self.tau = tau
        self.reset = reset
        self.spikeBits = spikeBits
        self.calibrationText = calibrationText
        self.calibrationSkip = calibrationSkip
        self.calibrationLimit = calibrationLimit
        self.calibrationRule = calibrationRule
        self.calibrationQuantile = calibrationQuantile
        self.outputRule = outputRule
        self.profiles = profiles
        self.traceLevel = traceLevel
        self.execution = execution
        self.threads = threads
        self.out = out
        self.shard = shard
        self.checkpointDirectory = checkpointDirectory
        self.tokenizerFile = tokenizerFile
        self.loadCheckpoint = loadCheckpoint
        self.identity = identity
    }

    /// A finished study (possibly interrupted part way): its files, still to be written, and its split.
    public struct Result {
        public var output: WhatIfOutput
        public var checkpointHash: String
        /// Which tokens were evaluated and which calibrated, and whether the two overlap.
        public var split: String
        public var splitOverlaps: Bool
        /// `split: …` as the table output ends.
        public var splitLine: String
        /// Set when SIGINT/SIGTERM stopped the sweep: what finished and what was kept.
        public var interruptedNote: String?
    }

    /// Runs the study (this process's shard of it, with `shard`). Returns what to print, or nil when
    /// there is nothing to print: a shard was written, or the dense reference run was interrupted.
    public func run() throws -> Result? {
        let share = shard
        let profileFiles = profiles.map { sanitizedFileName($0.name) }
        for (i, name) in profileFiles.enumerated() {
            if let j = profileFiles[..<i].firstIndex(of: name) {
                throw CLIError("profiles '\(profiles[j].name)' and '\(profiles[i].name)' would write the same plot files (\(name)); give them distinct names")
            }
        }
        let ts = timesteps

        // Every file this study writes, checked against its inputs and each other before any is written.
        let outURL = URL(fileURLWithPath: out)
        let traceDir = outURL.appendingPathComponent("traces")
        var plan = OutputPlan()
        plan.inputDirectory(checkpointDirectory, "checkpoint")
        plan.input(tokenizerFile, "--tokenizer file")
        plan.input(textFile, "--text-file")
        plan.input(calibrationText, "--calibration-text file")
        for profile in profiles { plan.input(profile.file, "profile \(profile.name)") }
        if share == nil { plan.output(outURL.appendingPathComponent("results.csv").path, "results file") }
        for name in profileFiles where share == nil {
            for file in WhatIfOutput.plotFiles(profileFile: name) { plan.output(outURL.appendingPathComponent(file).path, "plot") }
        }

        let checkpoint = try loadCheckpoint()
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

        var configurations: [WhatIfConfiguration] = []
        // Grid order = sweep order (T, then neuron model, placement, scale): work unit i + 1 is configurations[i].
        for t in ts { for m in neurons { for p in placements { for s in scales {
            configurations.append(WhatIfConfiguration(neuron: m, timesteps: t, placement: p.specification, scale: s))
        } } } }
        var names: [String: WhatIfConfiguration] = [:]
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
        var progress = ProgressLine(label: share.map { "whatif shard \($0)" } ?? "whatif", total: ownedCount, minimumTotal: 1)

        // The dense reference, once.
        var dense: WhatIfRow?
        if owns(0) {
            let denseSettings = SimulationSettings(mode: .dense, parameters: ATMNParameters(timesteps: 1, tau: 1),
                                                   placement: try Placement("none", shape: shape), thresholds: ThresholdSet(values: [:], source: "none"))
            guard let row = try simulateAndCost(checkpoint: checkpoint, settings: denseSettings, tokens: tokens, bytes: input.bytesOfToken,
                                                name: "dense", traceDir: traceDir, profiles: profiles) else {
                progress.finish()
                note("interrupted during the dense reference run; nothing costed (its trace is kept, marked incomplete)")
                return nil
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
        let rule = CalibrationRule(kind: calibrationRule, quantile: calibrationQuantile, scale: 1, output: outputRule)
        var rows: [WhatIfRow] = []
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
                    sourceName: calibration.sourceName, activations: activations, threads: threads).thresholds
                for s in scales {
                    unit += 1
                    guard owns(unit) else { continue }
                    let config = WhatIfConfiguration(neuron: m, timesteps: t, placement: p.specification, scale: s)
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
        let checkpointName = (checkpointDirectory as NSString).lastPathComponent
        let caption = "marsim \(marsimVersion) · \(checkpointName) · \(tokens.count) tokens of \((textFile as NSString).lastPathComponent) · "
            + "thresholds: \(calibrationRule.rawValue) rule on \(calibration.sourceName)"
        if let share {
            guard !interrupted else {
                note("interrupted: shard \(share) is unfinished (no \(ShardManifest.fileName) written); run it again")
                return nil
            }
            let study = try identity(checkpoint, placements.map(\.specification), profiles, configurations.count + 1)
            try WhatIfStudy.writeShard(study: study, shard: share, out: out, dense: dense, rows: Array(zip(rowUnits, rows)),
                                       caption: caption)
            return nil
        }
        let output = WhatIfOutput(dense: dense!, rows: rows, profiles: profiles.map(\.name), profileFiles: profileFiles, out: outURL,
                                  caption: caption)
        let unfinished = interrupted
            ? "interrupted: \(rows.count) of \(configurations.count) configurations finished and are in the results; "
                + "the trace of the one running is kept, marked incomplete"
            : nil
        return Result(output: output, checkpointHash: checkpoint.identity().contentHash, split: split, splitOverlaps: overlaps,
                      splitLine: splitLine, interruptedNote: unfinished)
    }

    /// Simulates one configuration with its trace, then costs the trace under every profile.
    /// Returns nil when SIGINT/SIGTERM stopped the run (its trace is then published, incomplete).
    private func simulateAndCost(checkpoint: Checkpoint, settings: SimulationSettings, tokens: [Int], bytes: ((Int) -> Int)?,
                                 name: String, traceDir: URL, profiles: [HardwareProfile]) throws -> WhatIfRow? {
        let simulator = try Simulator(model: checkpoint.model, settings: execution(settings), progress: note)
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
        let inputs = try EnergyInputs(reader: reader)
        let spikingSites = settings.mode == .dense ? [] : settings.spikingSites
        return WhatIfRow(configuration: nil, summary: WhatIfSummary(summary, denseBaseline: simulator.denseBaseline(), spikingSites: spikingSites,
                                                              timesteps: settings.parameters.timesteps), trace: path,
                   reports: try profiles.map { try EnergyModel.report(profile: $0, inputs: inputs) },
                   phases: try profiles.map { try EnergyModel.phases(profile: $0, inputs: inputs) })
    }
}
