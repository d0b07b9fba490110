import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport

/// Where a spiking run's thresholds come from, as the user chose them (`--thresholds`,
/// `--calibration-text`, `--threshold`, the rule and `--threshold-scale`), and how the choice
/// becomes one `ThresholdSet` — the same for simulate, generate and eval.
public struct ThresholdChoice {
    /// A learned-threshold file (`--thresholds`).
    public var file: String?
    /// A text to calibrate on, and the window of its tokens.
    public var calibrationText: String?
    public var calibrationSkip: Int
    public var calibrationLimit: Int
    /// One threshold for every neuron (`--threshold V`).
    public var fixed: Float?
    /// The calibration rule (scale 1: `scale` applies to every threshold source).
    public var rule: CalibrationRule
    /// Multiplies every threshold, whatever its source.
    public var scale: Float
    /// The neuron parameters thresholds are calibrated for.
    public var parameters: NeuronParameters

    public init(file: String?, calibrationText: String?, calibrationSkip: Int, calibrationLimit: Int, fixed: Float?,
                rule: CalibrationRule, scale: Float, parameters: NeuronParameters) {
        self.file = file
        self.calibrationText = calibrationText
        self.calibrationSkip = calibrationSkip
        self.calibrationLimit = calibrationLimit
        self.fixed = fixed
        self.rule = rule
        self.scale = scale
        self.parameters = parameters
    }

    /// Resolves thresholds in order: a file, a calibration text, the checkpoint's
    /// `atmn_thresholds.safetensors` sidecar, a fixed V; with none of them, calibration by the rule
    /// on the checkpoint's own calibration text (`DefaultCalibration`), else on `input` (the run's
    /// tokens) — said on stderr, and recorded as the threshold source, because a spiking run with
    /// V = 1 for every neuron (the old default) is rarely what anyone meant.
    ///
    /// - Parameter input: the run's tokens and where they came from (a text file, for the overlap check).
    public func resolve(checkpoint: Checkpoint, sites: [AccountingUnit], input: DefaultCalibration.Input? = nil) throws -> ThresholdSet {
        let shape = checkpoint.model.shape
        var set: ThresholdSet
        let sidecar = checkpoint.directory.appendingPathComponent(ThresholdSet.sidecarName)
        if let file {
            set = try ThresholdSet.learned(file: URL(fileURLWithPath: file), sites: sites, shape: shape)
        } else if let calibrationText {
            let window = try CalibrationTokens(file: calibrationText, checkpoint: checkpoint, skip: calibrationSkip, limit: calibrationLimit)
            set = try ThresholdSet.calibrated(model: checkpoint.model, tokens: window.ids, sites: sites, parameters: parameters,
                                              rule: rule, sourceName: window.sourceName, progress: note)
        } else if FileManager.default.fileExists(atPath: sidecar.path) {
            set = try ThresholdSet.learned(file: sidecar, sites: sites, shape: shape)
        } else if let fixed {
            set = ThresholdSet.fixed(fixed, sites: sites, shape: shape)
        } else {
            let window = try DefaultCalibration.window(checkpoint: checkpoint, input: input, limit: calibrationLimit)
            note("thresholds: none given (--thresholds, --calibration-text or --threshold V); calibrating with the \(rule.kind.rawValue) rule on \(window.sourceName)"
                 + (window.overlapsInput ? " — the tokens this run evaluates, which flatters fidelity" : ""))
            set = try ThresholdSet.calibrated(model: checkpoint.model, tokens: window.ids, sites: sites, parameters: parameters,
                                              rule: rule, sourceName: "default: " + window.sourceName, progress: note)
        }
        return try set.scaled(by: scale).checkedFinite()
    }
}
