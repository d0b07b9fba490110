import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport
import MarsimStudy

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

    /// The thresholds these options choose (`ThresholdChoice.resolve`; `input`: the run's tokens).
    func thresholdSet(checkpoint: Checkpoint, sites: [AccountingUnit], input: DefaultCalibration.Input? = nil) throws -> ThresholdSet {
        try ThresholdChoice(file: thresholds, calibrationText: calibrationText, calibrationSkip: calibrationSkip, calibrationLimit: calibrationLimit,
                            fixed: threshold, rule: rule, scale: thresholdScale, parameters: parameters)
            .resolve(checkpoint: checkpoint, sites: sites, input: input)
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

/// Throws a "Please …" message unless `name` is a registered neuron model whose parameters are valid.
func validateNeuron(_ name: String, spikeBits: Int) throws {
    guard NeuronRegistry.contains(name) else {
        throw ValidationError("Please give --neuron as one of: \(NeuronRegistry.names.joined(separator: ", ")) (not '\(name)').")
    }
    guard GradedNeuron.spikeBitsRange.contains(spikeBits) else {
        throw ValidationError("Please give --spike-bits between \(GradedNeuron.spikeBitsRange.lowerBound) and \(GradedNeuron.spikeBitsRange.upperBound).")
    }
}
