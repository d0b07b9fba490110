import Foundation
import MarsimCheckpoint
import MarsimCore

/// How thresholds are derived from the activations of a calibration text.
///
/// Both rules first run the *dense* model over the calibration tokens and collect, for every
/// spiking site and input channel i, the activations I_i entering the projection.
/// - `quantile`: V_i = scale · Q_q(|I_i|) ÷ T, the q-quantile (linear interpolation, as numpy)
///   of the magnitudes; T spikes of V then cover that quantile. This is DESIGN.md §2's rule.
/// - `mse`: for each channel, try V = k · (the quantile rule) for k ∈ {0.1, 0.2, …, 1.2} and keep the
///   one minimising Σ (I − decoded(I))² over the calibration activations, where decoded is what the
///   ATMN neuron delivers (Σ_t s_t·V); then multiply by scale. Better fidelity, more spikes.
/// - `output`: learned per channel, site after site in model order with the earlier sites already
///   spiking, by gradient descent on the site's output reconstruction error ‖W·decode(I) − W·I‖²
///   from the quantile rule's thresholds (`SequentialCalibration`, `SiteOutputObjective`; settings
///   in `output`). Needs the model, not only recorded activations.
/// A channel whose quantile is 0 uses max |I_i| ÷ T instead; a channel that was always 0 gets V = 1
/// (its input never reaches it). Every rule's thresholds are rounded to the log domain
/// (`ThresholdSet.inLogDomain`), so a threshold file written from them reads back bit for bit.
public struct CalibrationRule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case quantile, mse, output }
    public var kind: Kind
    /// q in (0, 1].
    public var quantile: Double
    /// Multiplies every threshold.
    public var scale: Float
    /// The output rule's learning settings (ignored by the other rules).
    public var output: OutputRuleSettings

    public init(kind: Kind = .quantile, quantile: Double = 0.99, scale: Float = 1, output: OutputRuleSettings = OutputRuleSettings()) {
        self.kind = kind
        self.quantile = quantile
        self.scale = scale
        self.output = output
    }

    public var summary: String {
        switch kind {
        case .quantile, .mse: "\(kind.rawValue), q \(quantile), ÷T, scale \(scale)"
        case .output: "output, \(output.summary), from quantile q \(quantile), scale \(scale)"
        }
    }
}

/// A dense runner that also records the inputs of chosen sites.
struct RecordingRunner: ProjectionRunner {
    var dense: DenseRunner
    let sites: Set<AccountingUnit>
    /// Per site, the recorded inputs, token after token (fanIn values each).
    var recorded: [AccountingUnit: [Float]] = [:]

    mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens n: Int,
                      site: AccountingUnit, unit: Int, counts: UnsafeMutablePointer<TokenCounts>) {
        if sites.contains(site) { recorded[site, default: []].append(contentsOf: UnsafeBufferPointer(start: input, count: n * p.fanIn)) }
        dense.run(p, input: input, output: output, tokens: n, site: site, unit: unit, counts: counts)
    }
}

/// The dense model's activations entering each chosen site over a calibration text: what every
/// calibration rule and every T derive thresholds from, so a sweep records them once.
public struct CalibrationActivations: Sendable {
    /// Per site, the inputs token after token (fan-in values each).
    public let samples: [AccountingUnit: [Float]]
    public let tokenCount: Int
    /// Where the tokens came from (for `ThresholdSet.source`).
    public let sourceName: String

    /// Runs the dense model over `tokens`, `chunk` tokens at a time, and keeps the inputs of `sites`.
    public init(model: LanguageModel, tokens: [Int], sites: [AccountingUnit], sourceName: String,
                chunk: Int = ChunkPlan.defaultChunk) throws {
        guard !tokens.isEmpty else { throw ThresholdError("\(sourceName): calibration text is empty") }
        let pass = ForwardPass(model: model)
        var state = RecurrentState(shape: model.shape)
        var runner = RecordingRunner(dense: DenseRunner(), sites: Set(sites))
        for range in ChunkPlan(count: tokens.count, chunk: chunk).ranges {
            _ = pass.run(Array(tokens[range]), state: &state, runner: &runner)
        }
        samples = runner.recorded
        tokenCount = tokens.count
        self.sourceName = sourceName
    }
}

extension ThresholdSet {
    /// Calibrates thresholds for `sites` from the dense model's activations on `tokens`.
    /// The output rule runs `SequentialCalibration` (site by site, earlier sites spiking); the
    /// others derive every site from the dense activations at once.
    public static func calibrated(model: LanguageModel, tokens: [Int], sites: [AccountingUnit], parameters: ATMNParameters,
                                  rule: CalibrationRule, sourceName: String,
                                  progress: (String) -> Void = { _ in }) throws -> ThresholdSet {
        guard !tokens.isEmpty else { throw ThresholdError("\(sourceName): calibration text is empty") }
        if rule.kind == .output {
            return try SequentialCalibration.run(model: model, tokens: tokens, sites: sites, parameters: parameters, rule: rule,
                                                 sourceName: sourceName, progress: progress).thresholds
        }
        let activations = try CalibrationActivations(model: model, tokens: tokens, sites: sites, sourceName: sourceName)
        return try calibrated(from: activations, shape: model.shape, sites: sites, parameters: parameters, rule: rule)
    }

    /// Thresholds for `sites` (each recorded in `activations`) under `parameters` and `rule`
    /// (quantile or mse: the output rule needs the model, see `SequentialCalibration`).
    public static func calibrated(from activations: CalibrationActivations, shape: ModelShape, sites: [AccountingUnit],
                                  parameters: ATMNParameters, rule: CalibrationRule) throws -> ThresholdSet {
        guard rule.kind != .output else {
            throw ThresholdError("the output rule learns thresholds site by site on the model; recorded activations are not enough")
        }
        guard rule.quantile > 0 && rule.quantile <= 1 else { throw ThresholdError("calibration quantile must be in (0, 1], got \(rule.quantile)") }
        var values: [AccountingUnit: [Float]] = [:]
        for site in sites {
            let fanIn = shape.projectionSize(site.kind)!.fanIn
            guard let samples = activations.samples[site] else {
                throw ThresholdError("no calibration activations were recorded for site \(site.name)")
            }
            let n = samples.count / fanIn
            var v = [Float](repeating: 1, count: fanIn)
            var column = [Float](repeating: 0, count: n)
            for i in 0..<fanIn {
                for t in 0..<n { column[t] = samples[t * fanIn + i] }
                v[i] = channelThreshold(column, parameters: parameters, rule: rule)
            }
            values[site] = v
        }
        return ThresholdSet(values: values, source: "calibrated (\(rule.summary)) on \(activations.sourceName), \(activations.tokenCount) tokens")
            .inLogDomain()
    }

    /// One channel's threshold from its calibration activations.
    static func channelThreshold(_ activations: [Float], parameters: ATMNParameters, rule: CalibrationRule) -> Float {
        let magnitudes = activations.map { abs($0) }.sorted()
        guard let largest = magnitudes.last, largest > 0 else { return 1 }
        let T = Float(parameters.timesteps)
        var base = Float(quantile(sorted: magnitudes, q: rule.quantile)) / T
        if base <= 0 { base = largest / T }
        guard rule.kind == .mse else { return base * rule.scale }
        var best = base, bestError = Float.infinity
        for step in 1...12 {
            let candidate = base * Float(step) / 10
            var error: Float = 0
            for x in activations {
                let d = x - ATMNNeuron.decoded(input: x, threshold: candidate, parameters: parameters)
                error += d * d
            }
            if error < bestError { bestError = error; best = candidate }
        }
        return best * rule.scale
    }

    /// The q-quantile of ascending `sorted` values with linear interpolation (numpy's default).
    static func quantile(sorted: [Float], q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lo = Int(position.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        let fraction = position - Double(lo)
        return Double(sorted[lo]) + (Double(sorted[hi]) - Double(sorted[lo])) * fraction
    }
}

extension ThresholdSet {
    /// Thresholds that make the dense model's inputs at `sites` fire at about `firing` (spikes ÷
    /// neuron updates) at every site (`ThresholdSteering`). A spiking run's own inputs differ from
    /// the dense model's, so its rate is near, not at, the target: benchmarks report the rate reached.
    public static func steered(model: LanguageModel, tokens: [Int], sites: [AccountingUnit], parameters: ATMNParameters,
                               firing: Double) throws -> ThresholdSet {
        guard firing > 0 && firing < 1 else { throw ThresholdError("the firing target must be in (0, 1), got \(firing)") }
        let activations = try CalibrationActivations(model: model, tokens: tokens, sites: sites, sourceName: "steering")
        var steered = ThresholdSteering(activations: activations, shape: model.shape, sites: sites, timesteps: parameters.timesteps)
            .thresholds(rate: firing)
        steered.source += " on \(tokens.count) tokens"
        return steered
    }
}
