import Foundation
import MarsimCore

/// The settings of the output rule (`CalibrationRule.Kind.output`): how each site's log-thresholds
/// are learned by gradient descent on its output reconstruction error (`SiteOutputObjective`).
///
/// Defaults: 200 Adam steps of 0.02 in log-threshold (≈ 2% in V per step at most) on mini-batches of
/// 256 tokens (docs/DESIGN.md §2: as good as full batches of 1,024 on the embedded checkpoint, a
/// quarter of the products). Each step's tokens are drawn (with replacement) by a counter-based
/// generator from `seed` and the site's name, so a run is reproducible, and the same for any
/// thread count; `batchTokens` 0 uses every token at every step.
public struct OutputRuleSettings: Sendable, Equatable {
    public enum Optimizer: String, Sendable, CaseIterable {
        /// Adam (Kingma & Ba 2015; β₁ 0.9, β₂ 0.999, ε 1e-8): steps of about `learningRate` per channel.
        case adam
        /// Plain gradient descent on the relative error E ÷ (1/n)Σ‖W·x‖².
        case sgd
    }

    /// Gradient steps per site.
    public var steps: Int
    /// Step size in log-threshold units (Adam), or the gradient's multiplier (sgd).
    public var learningRate: Double
    public var optimizer: Optimizer
    /// Tokens per step; 0 (or at least the calibration tokens) = every token at every step.
    public var batchTokens: Int
    /// Seeds the mini-batch draws (unused with full batches).
    public var seed: UInt64

    public init(steps: Int = 200, learningRate: Double = 0.02, optimizer: Optimizer = .adam, batchTokens: Int = 256, seed: UInt64 = 0) {
        self.steps = steps
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.batchTokens = batchTokens
        self.seed = seed
    }

    /// `200 Adam steps, lr 0.02, full batch` (for threshold sources and reports).
    public var summary: String {
        let batch = batchTokens > 0 ? "batch \(batchTokens), seed \(seed)" : "full batch"
        return "\(steps) \(optimizer == .adam ? "Adam" : "SGD") steps, lr \(learningRate), \(batch)"
    }

    /// Throws unless every setting is usable.
    public func validate() throws {
        guard steps >= 0 else { throw ThresholdError("output rule: steps must be ≥ 0, got \(steps)") }
        guard learningRate > 0, learningRate.isFinite else { throw ThresholdError("output rule: the learning rate must be positive, got \(learningRate)") }
        guard batchTokens >= 0 else { throw ThresholdError("output rule: batch tokens must be ≥ 0, got \(batchTokens)") }
    }
}

/// What learning one site's thresholds gave.
public struct LearnedSiteThresholds: Sendable {
    /// The log-thresholds a (V = exp(a)).
    public var logThresholds: [Float]
    /// E at the starting thresholds and at the learned ones (all calibration tokens).
    public var errorBefore: Double
    public var errorAfter: Double
}

extension SiteOutputObjective {
    /// Learns log-thresholds from `initial` by `settings.steps` steps of `settings.optimizer` on E
    /// (straight-through gradient), and returns the best thresholds seen: with full batches the
    /// iterate of lowest E (so E never rises above the start); with mini-batches the last iterate,
    /// unless its E over every token is above the start's.
    ///
    /// - siteSeed: mixed with `settings.seed` to draw this site's mini-batches.
    public func learn(from initial: [Float], settings: OutputRuleSettings, siteSeed: UInt64 = 0) -> LearnedSiteThresholds {
        precondition(initial.count == fanIn, "one log-threshold per input channel")
        let reference = max(outputEnergy(), Double.leastNormalMagnitude)
        var a = initial.map(Double.init)
        var m = [Double](repeating: 0, count: fanIn), v = [Double](repeating: 0, count: fanIn)
        let fullBatch = settings.batchTokens == 0 || settings.batchTokens >= tokens
        var start = Double.nan
        var best = initial, bestError = Double.infinity
        let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
        let seed = SyntheticModel.Generator.mix(settings.seed ^ siteSeed)
        for step in 0..<settings.steps {
            let current = a.map { Float($0) }
            let rows: [Int]? = fullBatch ? nil : (0..<settings.batchTokens).map { k in
                Int(SyntheticModel.Generator.mix(seed &+ UInt64(step * settings.batchTokens + k) &* 0x9E37_79B9_7F4A_7C15) % UInt64(tokens))
            }
            let (error, gradient) = evaluate(logThresholds: current, rows: rows)
            if fullBatch {
                if step == 0 { start = error }
                if error < bestError { bestError = error; best = current }
            }
            switch settings.optimizer {
            case .adam:
                let t = Double(step + 1)
                for i in 0..<fanIn {
                    m[i] = beta1 * m[i] + (1 - beta1) * gradient[i]
                    v[i] = beta2 * v[i] + (1 - beta2) * gradient[i] * gradient[i]
                    let mHat = m[i] / (1 - pow(beta1, t)), vHat = v[i] / (1 - pow(beta2, t))
                    a[i] -= settings.learningRate * mHat / (vHat.squareRoot() + epsilon)
                }
            case .sgd:
                for i in 0..<fanIn { a[i] -= settings.learningRate * gradient[i] / reference }
            }
        }
        let last = a.map { Float($0) }
        let lastError = error(thresholds: last.map { expf($0) })
        if start.isNaN { start = error(thresholds: initial.map { expf($0) }) }
        if fullBatch {
            if lastError < bestError { bestError = lastError; best = last }
        } else if lastError <= start {
            best = last; bestError = lastError
        } else {
            best = initial; bestError = start
        }
        return LearnedSiteThresholds(logThresholds: best, errorBefore: start, errorAfter: bestError)
    }
}
