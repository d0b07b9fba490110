import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine

extension NeuronReset: ExpressibleByArgument {}

/// The help line of `--neuron`: every registered model with its one-line summary.
let neuronHelp = ArgumentHelp("Neuron model: " + NeuronRegistry.names.joined(separator: ", ") + ".",
                              discussion: NeuronRegistry.models.map { "\($0.name): \($0.summary)" }.joined(separator: "\n"),
                              valueName: "model")

/// Neuron-model and placement settings shared by simulate, generate and eval.
struct SpikingOptions: ParsableArguments {
    @Option(help: neuronHelp)
    var neuron: String = ATMNModel.name

    @Option(help: "lif only: reset the membrane by subtracting the threshold, or to zero.")
    var reset: NeuronReset = .subtract

    @Option(help: ArgumentHelp("graded only: bits b of each event's signed payload (2...8; |q| ≤ 2^(b−1) − 1).", valueName: "b"))
    var spikeBits: Int = GradedNeuron.defaultSpikeBits

    @Option(name: [.customShort("T"), .customLong("timesteps")],
            help: ArgumentHelp("Ticks per token (T) each spiking site runs (eval: a comma list such as 2,4,8 scores every T).", valueName: "T"))
    var timestepList = TimestepList([4])

    /// The run's T (commands that run one T refuse a list: `requireOneTimestep()`).
    var timesteps: Int {
        get { timestepList.values[0] }
        set { timestepList = TimestepList([newValue]) }
    }

    @Option(help: "Membrane leak divisor between ticks (1 = no leak).")
    var tau: Float = 1

    @Option(help: ArgumentHelp("Which projections spike: none, all, mixer, mlp, or a list like mixer.in_proj,mlp.down_proj@0-7 (add lm_head to spike the head).", valueName: "placement"))
    var placement: String = Placement.defaultSpecification

    @Option(help: ArgumentHelp("Learned log-thresholds (safetensors keyed by site, e.g. layer00.mixer.in_proj).", valueName: "file"))
    var thresholds: String?

    @Option(help: ArgumentHelp("Calibrate thresholds on the dense activations of this text file.", valueName: "file"))
    var calibrationText: String?

    @Option(help: ArgumentHelp("Calibrate on at most this many tokens of the calibration text.", valueName: "n"))
    var calibrationLimit: Int = 1024

    @Option(help: ArgumentHelp("Skip this many tokens at the start of the calibration text (calibrate on tokens the run does not evaluate).", valueName: "n"))
    var calibrationSkip: Int = 0

    @Option(help: "Calibration rule: quantile (V = Q_q(|I|)/T), mse (grid-searched input reconstruction error) or output (learned site by site on the output error, earlier sites spiking).")
    var calibrationRule: ThresholdRuleName = .quantile

    @Option(help: "Quantile q of |I| used by calibration (the output rule starts from it).")
    var calibrationQuantile: Double = 0.99

    @OptionGroup var learning: OutputRuleOptions

    @Option(help: ArgumentHelp("A fixed threshold V for every neuron, instead of the default calibration (see the resolution order below).", valueName: "V"))
    var threshold: Float?

    @Option(help: "Multiply every threshold by this factor.")
    var thresholdScale: Float = 1

    func validate() throws {
        try validateNeuron(neuron, spikeBits: spikeBits)
        guard timestepList.values.allSatisfy((1...255).contains) else { throw ValidationError("Please give --timesteps between 1 and 255.") }
        guard Set(timestepList.values).count == timestepList.values.count else {
            throw ValidationError("Please give distinct --timesteps values (got \(timestepList)).")
        }
        guard tau > 0, tau.isFinite else { throw ValidationError("Please give a positive --tau.") }
        if let threshold, !(threshold > 0 && threshold.isFinite) { throw ValidationError("Please give a positive --threshold.") }
        guard thresholdScale > 0, thresholdScale.isFinite else { throw ValidationError("Please give a positive --threshold-scale.") }
        guard calibrationQuantile > 0, calibrationQuantile <= 1 else { throw ValidationError("Please give a --calibration-quantile in (0, 1].") }
        guard calibrationLimit >= 1 else { throw ValidationError("Please give a --calibration-limit of at least 1.") }
        guard calibrationSkip >= 0 else { throw ValidationError("Please give a --calibration-skip of at least 0.") }
        if thresholds != nil && calibrationText != nil {
            throw ValidationError("Please give either --thresholds or --calibration-text, not both.")
        }
    }

    /// Throws unless one T was given: for the commands that run one configuration (simulate,
    /// generate); eval scores a list, whatif sweeps its own.
    func requireOneTimestep() throws {
        guard timestepList.values.count == 1 else {
            throw ValidationError("Please give one --timesteps value (got \(timestepList)); eval scores a list, whatif sweeps one.")
        }
    }

    /// These options at one of the listed T's.
    func at(timesteps t: Int) -> SpikingOptions {
        var copy = self
        copy.timesteps = t
        return copy
    }

    var parameters: NeuronParameters {
        NeuronParameters(model: neuron, timesteps: timesteps, tau: tau, reset: reset, spikeBits: spikeBits)
    }

    /// The calibration rule chosen (scale 1: `--threshold-scale` applies to every threshold source).
    var rule: CalibrationRule {
        CalibrationRule(kind: calibrationRule.kind, quantile: calibrationQuantile, scale: 1, output: learning.settings)
    }

    /// Resolves thresholds in order: --thresholds FILE, --calibration-text F, the checkpoint's
    /// `atmn_thresholds.safetensors` sidecar, a fixed --threshold V; with none of them, calibration
    /// by the chosen rule on the checkpoint's own calibration text (`DefaultCalibration`), else on
    /// `input` (the run's tokens) — said on stderr, and recorded as the threshold source, because a
    /// spiking run with V = 1 for every neuron (the old default) is rarely what anyone meant.
    ///
    /// - Parameter input: the run's tokens and where they came from (a text file, for the overlap check).
    func thresholdSet(checkpoint: Checkpoint, sites: [AccountingUnit], input: DefaultCalibration.Input? = nil) throws -> ThresholdSet {
        let shape = checkpoint.model.shape
        var set: ThresholdSet
        let sidecar = checkpoint.directory.appendingPathComponent(ThresholdSet.sidecarName)
        if let thresholds {
            set = try ThresholdSet.learned(file: URL(fileURLWithPath: thresholds), sites: sites, shape: shape)
        } else if let calibrationText {
            let window = try CalibrationTokens(file: calibrationText, checkpoint: checkpoint, skip: calibrationSkip, limit: calibrationLimit)
            set = try ThresholdSet.calibrated(model: checkpoint.model, tokens: window.ids, sites: sites, parameters: parameters,
                                              rule: rule, sourceName: window.sourceName, progress: note)
        } else if FileManager.default.fileExists(atPath: sidecar.path) {
            set = try ThresholdSet.learned(file: sidecar, sites: sites, shape: shape)
        } else if let threshold {
            set = ThresholdSet.fixed(threshold, sites: sites, shape: shape)
        } else {
            let window = try DefaultCalibration.window(checkpoint: checkpoint, input: input, limit: calibrationLimit)
            note("thresholds: none given (--thresholds, --calibration-text or --threshold V); calibrating with the \(calibrationRule.rawValue) rule on \(window.sourceName)"
                 + (window.overlapsInput ? " — the tokens this run evaluates, which flatters fidelity" : ""))
            set = try ThresholdSet.calibrated(model: checkpoint.model, tokens: window.ids, sites: sites, parameters: parameters,
                                              rule: rule, sourceName: "default: " + window.sourceName, progress: note)
        }
        return try set.scaled(by: thresholdScale).checkedFinite()
    }
}

/// `--timesteps`: one T, or a comma list of T's (`2,4,8`; `validate()` refuses repeats).
struct TimestepList: ExpressibleByArgument, CustomStringConvertible, Equatable {
    var values: [Int]

    init(_ values: [Int]) { self.values = values }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !parts.isEmpty, values.count == parts.count else { return nil }
        self.values = values
    }

    var description: String { values.map(String.init).joined(separator: ",") }
    var defaultValueDescription: String { description }
}

/// Where thresholds come from when a spiking run names none: the checkpoint's own calibration
/// text (`calibration.txt`, else `heldout.txt`, in its directory) — skipping the tokens the run
/// evaluates when the run reads that same file — else the run's own tokens.
enum DefaultCalibration {
    /// The files looked for in a checkpoint directory, in order.
    static let fileNames = ["calibration.txt", "heldout.txt"]

    /// The run's tokens, and the text file they came from (nil for --text, --input-ids, prompts, tasks).
    struct Input {
        var ids: [Int]
        var name: String
        var file: String?
    }

    struct Window {
        var ids: [Int]
        var sourceName: String
        /// Whether the window is (part of) the tokens the run evaluates.
        var overlapsInput: Bool
    }

    /// The calibration window for `checkpoint` and `input`, at most `limit` tokens.
    static func window(checkpoint: Checkpoint, input: Input?, limit: Int) throws -> Window {
        let shipped = fileNames.map { checkpoint.directory.appendingPathComponent($0).path }
            .first { FileManager.default.fileExists(atPath: $0) }
        if let shipped {
            let ids = try TextEncoding.encode(try InputFile.readText(shipped, label: "calibration text"), source: shipped, checkpoint: checkpoint).ids
            let name = "the checkpoint's " + (shipped as NSString).lastPathComponent
            let sameFile = input?.file.map { FileIdentity(path: $0) == FileIdentity(path: shipped) } ?? false
            // The run reads this very file: calibrate on the tokens after the ones it evaluates.
            if let input, sameFile, input.ids.count < ids.count {
                let window = try CalibrationTokens(ids: ids, source: name, skip: input.ids.count, limit: limit)
                return Window(ids: window.ids, sourceName: window.sourceName, overlapsInput: false)
            }
            let window = try CalibrationTokens(ids: ids, source: name, skip: 0, limit: limit)
            return Window(ids: window.ids, sourceName: window.sourceName, overlapsInput: sameFile)
        }
        guard let input, !input.ids.isEmpty else {
            throw CLIError("no thresholds given and nothing to calibrate on: give --thresholds FILE, --calibration-text FILE or --threshold V")
        }
        let window = try CalibrationTokens(ids: input.ids, source: input.name, skip: 0, limit: limit)
        return Window(ids: window.ids, sourceName: window.sourceName, overlapsInput: true)
    }
}

extension ThresholdSet {
    /// Throws unless every threshold is a positive finite number: scaling (`--threshold-scale`)
    /// can overflow to infinity or underflow to zero, and a neuron with such a threshold never or
    /// always fires, silently.
    func checkedFinite() throws -> ThresholdSet {
        for (site, values) in values.sorted(by: { $0.key.name < $1.key.name }) {
            if let index = values.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw CLIError("thresholds (\(source)): \(site.name) channel \(index) is \(values[index]), not a positive finite number "
                               + "(check --threshold-scale and the threshold source)")
            }
        }
        return self
    }
}

/// Throws a "Please …" message unless `name` is a registered neuron model whose parameters are valid.
func validateNeuron(_ name: String, spikeBits: Int) throws {
    guard NeuronRegistry.contains(name) else {
        throw ValidationError("Please give --neuron as one of: \(NeuronRegistry.names.joined(separator: ", ")) (not '\(name)').")
    }
    guard GradedNeuron.spikeBitsRange.contains(spikeBits) else {
        throw ValidationError("Please give --spike-bits between \(GradedNeuron.spikeBitsRange.lowerBound) and \(GradedNeuron.spikeBitsRange.upperBound).")
    }
}
