import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine

/// Where thresholds come from, as chosen by the user.
enum ThresholdRuleName: String, ExpressibleByArgument, CaseIterable {
    case quantile, mse
}

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

    @Option(name: [.customShort("T"), .long], help: "Ticks per token (T) each spiking site runs.")
    var timesteps: Int = 4

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

    @Option(help: "Calibration rule: quantile (V = Q_q(|I|)/T) or mse (grid-searched reconstruction error).")
    var calibrationRule: ThresholdRuleName = .quantile

    @Option(help: "Quantile q of |I| used by calibration.")
    var calibrationQuantile: Double = 0.99

    @Option(help: ArgumentHelp("A fixed threshold V for every neuron, when no learned or calibrated thresholds are used.", valueName: "V"))
    var threshold: Float = 1

    @Option(help: "Multiply every threshold by this factor.")
    var thresholdScale: Float = 1

    func validate() throws {
        try validateNeuron(neuron, spikeBits: spikeBits)
        guard (1...255).contains(timesteps) else { throw ValidationError("Please give --timesteps between 1 and 255.") }
        guard tau > 0, tau.isFinite else { throw ValidationError("Please give a positive --tau.") }
        guard threshold > 0, threshold.isFinite else { throw ValidationError("Please give a positive --threshold.") }
        guard thresholdScale > 0, thresholdScale.isFinite else { throw ValidationError("Please give a positive --threshold-scale.") }
        guard calibrationQuantile > 0, calibrationQuantile <= 1 else { throw ValidationError("Please give a --calibration-quantile in (0, 1].") }
        guard calibrationLimit >= 1 else { throw ValidationError("Please give a --calibration-limit of at least 1.") }
        if thresholds != nil && calibrationText != nil {
            throw ValidationError("Please give either --thresholds or --calibration-text, not both.")
        }
    }

    var parameters: NeuronParameters {
        NeuronParameters(model: neuron, timesteps: timesteps, tau: tau, reset: reset, spikeBits: spikeBits)
    }

    /// Resolves thresholds in order: --thresholds FILE, --calibration-text F, the checkpoint's
    /// `atmn_thresholds.safetensors` sidecar, else the fixed --threshold.
    func thresholdSet(checkpoint: Checkpoint, sites: [AccountingUnit]) throws -> ThresholdSet {
        let shape = checkpoint.model.shape
        var set: ThresholdSet
        let sidecar = checkpoint.directory.appendingPathComponent(ThresholdSet.sidecarName)
        if let thresholds {
            set = try ThresholdSet.learned(file: URL(fileURLWithPath: thresholds), sites: sites, shape: shape)
        } else if let calibrationText {
            let text = try InputFile.readText(calibrationText, label: "calibration text")
            let tokens = try TextEncoding.encode(text, source: calibrationText, checkpoint: checkpoint).ids
            let rule = CalibrationRule(kind: calibrationRule == .mse ? .mse : .quantile, quantile: calibrationQuantile, scale: 1)
            set = try ThresholdSet.calibrated(model: checkpoint.model, tokens: Array(tokens.prefix(calibrationLimit)), sites: sites,
                                              parameters: parameters, rule: rule, sourceName: calibrationText)
        } else if FileManager.default.fileExists(atPath: sidecar.path) {
            set = try ThresholdSet.learned(file: sidecar, sites: sites, shape: shape)
        } else {
            set = ThresholdSet.fixed(threshold, sites: sites, shape: shape)
        }
        return try set.scaled(by: thresholdScale).checkedFinite()
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
