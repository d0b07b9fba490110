import Foundation
import MarsimCheckpoint
import MarsimCore

/// One site's calibration: its output error before and after, and what it cost.
///
/// Errors are E = (1/n) Σ_t ‖W·(decode(x_t) − x_t)‖² over the calibration tokens, at the inputs the
/// site receives while every earlier site spikes with its calibrated thresholds (as in a run).
/// "Before" uses the quantile rule's thresholds (DESIGN.md §2, from the dense activations: the
/// output rule's starting point), "after" the rule's own.
public struct SiteCalibration: Sendable {
    public var site: AccountingUnit
    public var fanIn: Int
    public var fanOut: Int
    public var tokens: Int
    /// (1/n) Σ_t ‖W·x_t‖²: divide an error by it for the relative error.
    public var outputEnergy: Double
    public var errorBefore: Double
    public var errorAfter: Double
    /// Gradient steps taken (0 for quantile and mse).
    public var steps: Int
    /// Wall-clock seconds spent on this site (its objective, learning and spiking output).
    public var seconds: Double

    public var relativeErrorBefore: Double { outputEnergy > 0 ? errorBefore / outputEnergy : 0 }
    public var relativeErrorAfter: Double { outputEnergy > 0 ? errorAfter / outputEnergy : 0 }
}

/// Thresholds from any rule, with the per-site report `marsim calibrate` prints.
public struct CalibrationResult: Sendable {
    public var thresholds: ThresholdSet
    /// In schedule (model) order.
    public var sites: [SiteCalibration]
    /// Seconds for the dense pass that records the activations of every site.
    public var recordSeconds: Double
    /// Seconds for the sequential pass (every site in order, spiking as it goes).
    public var sequentialSeconds: Double
}

/// Calibration site by site in model order, each site seeing the inputs it gets when the earlier
/// sites already spike (docs/DESIGN.md §2, "Learned thresholds").
///
/// All calibration tokens run as one chunk (`ForwardPass.forward`, layer by layer), so when the
/// pass reaches a site it holds that site's inputs for every token: the site's thresholds are
/// derived there (learned, for the output rule), its inputs spike through them, and the decoded
/// values go on through the projection to the later sites. One pass calibrates every site.
public enum SequentialCalibration {
    /// Derives thresholds for `sites` (schedule order) from `tokens` under `rule`, and reports each
    /// site's output error with the quantile rule's thresholds (before) and the rule's (after).
    ///
    /// - activations: the dense activations of `sites` on the same tokens, when already recorded.
    /// - progress: told about each site as it finishes.
    public static func run(model: LanguageModel, tokens: [Int], sites: [AccountingUnit], parameters: ATMNParameters,
                           rule: CalibrationRule, sourceName: String, activations: CalibrationActivations? = nil,
                           threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                           progress: (String) -> Void = { _ in }) throws -> CalibrationResult {
        try rule.output.validate()
        var clock = ContinuousClock.now
        func lap() -> Double { let now = ContinuousClock.now; defer { clock = now }; return (now - clock).seconds }
        let dense = try activations ?? CalibrationActivations(model: model, tokens: tokens, sites: sites, sourceName: sourceName)
        var quantileRule = rule
        quantileRule.kind = .quantile
        quantileRule.scale = 1
        let start = try ThresholdSet.calibrated(from: dense, shape: model.shape, sites: sites, parameters: parameters, rule: quantileRule)
        let fixed: ThresholdSet? = switch rule.kind {
        case .quantile: start
        case .mse: try ThresholdSet.calibrated(from: dense, shape: model.shape, sites: sites, parameters: parameters, rule: rule)
        case .output: nil
        }
        let recordSeconds = lap()

        let (logThresholds, reports) = withoutActuallyEscaping(progress) { progress in
            var runner = SequentialCalibrationRunner(dense: DenseRunner(threads: threads), order: sites, parameters: parameters,
                                                     start: start, fixed: fixed, settings: rule.output, scale: rule.scale,
                                                     threads: threads, progress: progress)
            var state = RecurrentState(shape: model.shape)
            let pass = ForwardPass(model: model, threads: threads)
            _ = pass.run(tokens, state: &state, runner: &runner)
            return (runner.logThresholds, runner.reports)
        }
        let sequentialSeconds = lap()

        var thresholds = ThresholdSet(values: [:], source: "calibrated (\(rule.summary)) on \(dense.sourceName), \(dense.tokenCount) tokens")
        for site in sites {
            guard let a = logThresholds[site] else { throw ThresholdError("the calibration pass never reached site \(site.name)") }
            thresholds.setLog(a, for: site)
        }
        return CalibrationResult(thresholds: thresholds, sites: reports, recordSeconds: recordSeconds,
                                 sequentialSeconds: sequentialSeconds)
    }
}

/// The runner of `SequentialCalibration`'s pass: projections that are not sites run dense (lm_head,
/// when it is not a site, is skipped: nobody reads the logits); at a site, it builds the site's
/// objective from the chunk's inputs, finds the thresholds (given, or learned from the quantile
/// rule's), reports, and passes the decoded inputs through the projection.
struct SequentialCalibrationRunner: ProjectionRunner {
    var dense: DenseRunner
    let order: [AccountingUnit]
    let parameters: ATMNParameters
    /// The quantile rule's thresholds (the "before" and the output rule's start).
    let start: ThresholdSet
    /// The thresholds to use as they are (quantile, mse), or nil to learn them (output).
    let fixed: ThresholdSet?
    let settings: OutputRuleSettings
    /// Multiplies the learned thresholds (CalibrationRule.scale).
    let scale: Float
    let threads: Int
    /// Told about each site as it finishes.
    let progress: (String) -> Void
    var logThresholds: [AccountingUnit: [Float]] = [:]
    var reports: [SiteCalibration] = []

    mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens n: Int,
                      site: AccountingUnit, unit: Int, counts: UnsafeMutablePointer<TokenCounts>) {
        guard order.contains(site) else {
            if site.kind == .lmHead {
                output.update(repeating: 0, count: n * p.fanOut)
            } else {
                dense.run(p, input: input, output: output, tokens: n, site: site, unit: unit, counts: counts)
            }
            return
        }
        let began = ContinuousClock.now
        let objective = SiteOutputObjective(projection: p, inputs: Array(UnsafeBufferPointer(start: input, count: n * p.fanIn)),
                                            parameters: parameters, threads: threads)
        let startV = start.values[site]!
        let before = objective.error(thresholds: startV)
        let a: [Float], after: Double, steps: Int
        if let fixed {
            a = fixed.logValues(site)
            after = objective.error(thresholds: a.map { expf($0) })
            steps = 0
        } else {
            let learned = objective.learn(from: start.logValues(site), settings: settings, siteSeed: siteSeed(site))
            a = scale == 1 ? learned.logThresholds : learned.logThresholds.map { $0 + logf(scale) }
            after = scale == 1 ? learned.errorAfter : objective.error(thresholds: a.map { expf($0) })
            steps = settings.steps
        }
        logThresholds[site] = a
        let decoded = objective.decoded(thresholds: a.map { expf($0) })
        decoded.withUnsafeBufferPointer { dense.run(p, input: $0.baseAddress!, output: output, tokens: n, site: site, unit: unit, counts: counts) }
        let report = SiteCalibration(site: site, fanIn: p.fanIn, fanOut: p.fanOut, tokens: n, outputEnergy: objective.outputEnergy(),
                                     errorBefore: before, errorAfter: after, steps: steps, seconds: (ContinuousClock.now - began).seconds)
        reports.append(report)
        progress(String(format: "calibrate: site %d/%d %@: relative output error %.4f → %.4f (%.2f s)", reports.count, order.count,
                        site.name, report.relativeErrorBefore, report.relativeErrorAfter, report.seconds))
    }

    /// The site's share of the mini-batch seed: FNV-1a 64 of its name (stable across placements).
    private func siteSeed(_ site: AccountingUnit) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in site.name.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
