import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine

/// The output rule's learning settings (`--calibration-rule output`), shared by every command that calibrates.
struct OutputRuleOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Output rule: gradient steps per site.", valueName: "n"))
    var calibrationSteps: Int = OutputRuleSettings().steps

    @Option(help: ArgumentHelp("Output rule: step size in log-threshold units (Adam) or the gradient's multiplier (sgd).", valueName: "lr"))
    var calibrationLearningRate: Double = OutputRuleSettings().learningRate

    @Option(help: "Output rule: optimiser, adam or sgd.")
    var calibrationOptimizer: OutputRuleSettings.Optimizer = .adam

    @Option(help: ArgumentHelp("Output rule: tokens per step, drawn from the seed (0 = every calibration token at every step).", valueName: "n"))
    var calibrationBatch: Int = OutputRuleSettings().batchTokens

    @Option(help: ArgumentHelp("Output rule: seed of the mini-batch draws.", valueName: "n"))
    var calibrationSeed: UInt64 = 0

    func validate() throws {
        guard calibrationSteps >= 0 else { throw ValidationError("Please give --calibration-steps of at least 0.") }
        guard calibrationLearningRate > 0, calibrationLearningRate.isFinite else {
            throw ValidationError("Please give a positive --calibration-learning-rate.")
        }
        guard calibrationBatch >= 0 else { throw ValidationError("Please give a --calibration-batch of at least 0.") }
    }

    var settings: OutputRuleSettings {
        OutputRuleSettings(steps: calibrationSteps, learningRate: calibrationLearningRate, optimizer: calibrationOptimizer,
                           batchTokens: calibrationBatch, seed: calibrationSeed)
    }
}

extension OutputRuleSettings.Optimizer: ExpressibleByArgument {}

/// Where thresholds come from, as chosen by the user.
enum ThresholdRuleName: String, ExpressibleByArgument, CaseIterable {
    case quantile, mse, output

    var kind: CalibrationRule.Kind {
        switch self {
        case .quantile: .quantile
        case .mse: .mse
        case .output: .output
        }
    }
}
