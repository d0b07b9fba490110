import Foundation
import MarsimCheckpoint
import MarsimCore

/// What the output rule would cost on a model of a given shape, from measured steps on this machine.
///
/// For each kind of block site, a projection of that shape with random weights and random inputs is
/// built and timed: the per-site setup (Gram matrix, the output energy and the before/after errors
/// over every calibration token, the decoded output) once, and `measuredSteps` learning steps on
/// mini-batches; a site costs its setup (two more full passes included) + steps × (time per step). The two forward passes over the
/// calibration tokens (dense, then site by site) are not included: they cost what a dense run of
/// that many tokens costs (`marsim bench`).
public struct CalibrationCostEstimate: Sendable {
    public struct SiteKind: Sendable {
        public var kind: UnitKind
        public var fanIn: Int
        public var fanOut: Int
        /// Sites of this kind in the model.
        public var count: Int
        public var setupSeconds: Double
        public var secondsPerStep: Double
        /// setup + steps × secondsPerStep.
        public var secondsPerSite: Double
    }

    public var kinds: [SiteKind]
    public var tokens: Int
    public var settings: OutputRuleSettings
    /// Σ count × secondsPerSite.
    public var totalSeconds: Double { kinds.reduce(0) { $0 + Double($1.count) * $1.secondsPerSite } }

    /// Measures MAR's four block sites of `shape` with `tokens` calibration tokens.
    public static func measure(shape: ModelShape, tokens: Int, parameters: ATMNParameters, settings: OutputRuleSettings,
                               measuredSteps: Int = 10, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                               progress: (String) -> Void = { _ in }) -> CalibrationCostEstimate {
        var kinds: [SiteKind] = []
        var state: UInt64 = 0x6D61_7273_696D
        func uniform(_ count: Int, _ bound: Float) -> [Float] {
            (0..<count).map { _ in
                state = SyntheticModel.Generator.mix(state)
                return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * bound
            }
        }
        for kind in [UnitKind.mixerInProj, .mixerOutProj, .mlpGateUpProj, .mlpDownProj] {
            guard let size = shape.projectionSize(kind) else { continue }
            progress("estimate: timing \(kind.rawValue) (\(size.fanIn) → \(size.fanOut)) …")
            let projection = Projection(fanIn: size.fanIn, fanOut: size.fanOut, layout: .columnMajor,
                                        weights: uniform(size.fanIn * size.fanOut, 1 / Float(size.fanIn).squareRoot()), bias: nil)
            let inputs = uniform(tokens * size.fanIn, 1)
            var clock = ContinuousClock.now
            func lap() -> Double { let now = ContinuousClock.now; defer { clock = now }; return (now - clock).seconds }
            let objective = SiteOutputObjective(projection: projection, inputs: inputs, parameters: parameters, threads: threads)
            let v = [Float](repeating: 0.5 / Float(parameters.timesteps), count: size.fanIn)
            _ = objective.outputEnergy()
            _ = objective.error(thresholds: v)
            _ = objective.error(thresholds: v)
            _ = objective.decoded(thresholds: v)
            let setup = lap()
            var steps = settings
            steps.steps = measuredSteps
            _ = objective.learn(from: v.map { logf($0) }, settings: steps)
            let learnSeconds = lap()
            _ = objective.error(thresholds: v)
            let oneFullError = lap()
            // Besides its steps, learn() makes about three passes over every token (the output
            // energy, E at the start and at the end; two with full batches): take them off.
            let fullBatch = settings.batchTokens == 0 || settings.batchTokens >= tokens
            let perStep = max(0, (learnSeconds - (fullBatch ? 2 : 3) * oneFullError) / Double(measuredSteps))
            let count = shape.layers
            kinds.append(SiteKind(kind: kind, fanIn: size.fanIn, fanOut: size.fanOut, count: count, setupSeconds: setup,
                                  secondsPerStep: perStep, secondsPerSite: setup + 2 * oneFullError + Double(settings.steps) * perStep))
        }
        return CalibrationCostEstimate(kinds: kinds, tokens: tokens, settings: settings)
    }
}
