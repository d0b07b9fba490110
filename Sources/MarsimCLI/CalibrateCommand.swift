import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport
import MarsimStudy

/// `marsim calibrate`: derive ATMN thresholds by a rule on a calibration text and write them as a
/// learned-threshold file (`simulate --thresholds FILE` reads it back bit for bit), with a report of
/// every site's output reconstruction error before (the quantile rule) and after (the rule).
public struct CalibrateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate ATMN thresholds (quantile, mse or output rule) and write a learned-threshold file.",
        discussion: """
        The rules: quantile (V = Q_q(|I|)/T per channel), mse (V from a grid minimising the input's \
        reconstruction error), output (per-channel log-thresholds learned by gradient descent with a \
        straight-through estimator on each site's output error ‖W·decode(I) − W·I‖², site after site \
        in model order with the earlier sites spiking; docs/DESIGN.md §2). The file holds one tensor \
        of log-thresholds a (V = exp(a)) per site. The report gives, per site, the relative output \
        error with the quantile rule's thresholds (before) and the rule's (after), and the time.

        Calibrate on tokens you do not evaluate: e.g. bytes 1024–2047 of the held-out text, then \
        evaluate bytes 0–1023:
          marsim calibrate --calibration-text checkpoints/tiny-llamba-bytes/heldout.txt \\
              --calibration-skip 1024 --rule output -T 4 --out traces/thresholds-T4.safetensors
          marsim simulate --text-file checkpoints/tiny-llamba-bytes/heldout.txt --limit 1024 -T 4 \\
              --thresholds traces/thresholds-T4.safetensors
        """
    )

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(help: ArgumentHelp("The calibration text.", valueName: "file"))
    var calibrationText: String?

    @Option(name: .customLong("input-ids"), help: ArgumentHelp("Calibration token ids, comma-separated (instead of a text).", valueName: "ids"))
    var inputIDs: String?

    @Option(help: ArgumentHelp("Calibrate on at most this many tokens.", valueName: "n"))
    var calibrationLimit: Int = 1024

    @Option(help: ArgumentHelp("Skip this many tokens at the start of the calibration text or ids.", valueName: "n"))
    var calibrationSkip: Int = 0

    @Option(help: "The rule: quantile, mse or output.")
    var rule: ThresholdRuleName = .output

    @Option(name: [.customShort("T"), .long], help: "Ticks per token (T) the thresholds are for.")
    var timesteps: Int = 4

    @Option(help: "Membrane leak divisor between ticks (1 = no leak).")
    var tau: Float = 1

    @Option(help: ArgumentHelp("Which projections spike (as simulate's --placement); the output rule calibrates them in this model order.", valueName: "placement"))
    var placement: String = Placement.defaultSpecification

    @Option(help: "Quantile q of |I| (the quantile and mse rules, and the output rule's starting point).")
    var calibrationQuantile: Double = 0.99

    @OptionGroup var learning: OutputRuleOptions

    @Option(help: "Worker threads (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("The learned-threshold file to write.", valueName: "file.safetensors"))
    var out: String?

    @Option(help: ArgumentHelp("Instead of calibrating, estimate the output rule's time for a model of this shape (tiny or llamba-1b) from steps timed here.", valueName: "shape"))
    var estimateShape: SyntheticShape?

    @Flag(help: "Print the report as one JSON object instead of a table.")
    var json = false

    public init() {}

    public func validate() throws {
        if estimateShape != nil {
            guard out == nil, calibrationText == nil, inputIDs == nil else {
                throw ValidationError("Please give --estimate-shape alone (it calibrates nothing and writes no file).")
            }
        } else if out == nil {
            throw ValidationError("Please give --out FILE.safetensors for the thresholds.")
        } else if (calibrationText == nil) == (inputIDs == nil) {
            throw ValidationError("Please give exactly one of --calibration-text or --input-ids.")
        }
        guard (1...255).contains(timesteps) else { throw ValidationError("Please give --timesteps between 1 and 255.") }
        guard tau > 0, tau.isFinite else { throw ValidationError("Please give a positive --tau.") }
        guard calibrationLimit >= 1 else { throw ValidationError("Please give a --calibration-limit of at least 1.") }
        guard calibrationSkip >= 0 else { throw ValidationError("Please give a --calibration-skip of at least 0.") }
        guard calibrationQuantile > 0, calibrationQuantile <= 1 else { throw ValidationError("Please give a --calibration-quantile in (0, 1].") }
        guard threads >= 1 else { throw ValidationError("Please give --threads of at least 1.") }
    }

    public func run() throws {
        try oneLineErrors {
            if let estimateShape { return try estimate(estimateShape) }
            let out = self.out!
            var plan = OutputPlan()
            plan.inputs(checkpointOptions)
            plan.input(calibrationText, "--calibration-text file")
            plan.output(out, "--out file")
            try plan.check()

            let checkpoint = try checkpointOptions.load()
            let window: CalibrationTokens
            if let calibrationText {
                window = try CalibrationTokens(file: calibrationText, checkpoint: checkpoint, skip: calibrationSkip, limit: calibrationLimit)
            } else {
                let ids = try InputTokens.parseIDs(inputIDs!)
                try InputTokens.checkVocabulary(ids, checkpoint: checkpoint)
                window = try CalibrationTokens(ids: ids, source: "--input-ids", skip: calibrationSkip, limit: calibrationLimit)
            }
            let report = try ThresholdCalibrationJob.run(
                checkpoint: checkpoint, window: window, placement: placement, parameters: ATMNParameters(timesteps: timesteps, tau: tau),
                rule: CalibrationRule(kind: rule.kind, quantile: calibrationQuantile, scale: 1, output: learning.settings), threads: threads,
                out: out)
            print(json ? try report.json() : report.table())
        }
    }
}

extension CalibrateCommand {
    /// `--estimate-shape`: the output rule's time on a model of that shape, from steps timed here.
    func estimate(_ shape: SyntheticShape) throws {
        let settings = learning.settings
        let result = CalibrationCostEstimate.measure(shape: shape.modelShape, tokens: calibrationLimit,
                                                     parameters: ATMNParameters(timesteps: timesteps, tau: tau), settings: settings,
                                                     threads: threads, progress: note)
        print(json ? try CalibrationEstimateText.json(result, shape: shape.rawValue)
                   : CalibrationEstimateText.table(result, shape: shape.rawValue, timesteps: timesteps, threads: threads))
    }
}
