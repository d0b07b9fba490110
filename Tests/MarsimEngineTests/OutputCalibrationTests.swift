import Foundation
import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import MarsimTestSupport
import Testing

/// The output rule: its objective and straight-through gradient, learning, the sequential pass,
/// determinism and the threshold file.
@Suite("Output calibration")
struct OutputCalibrationTests {
    /// A random site: W (fanOut × fanIn), inputs n × fanIn scaled by `inputScale`, log-thresholds a.
    struct SmallSite {
        let projection: Projection
        let inputs: [Float]
        let a: [Float]
        let n: Int

        init(fanIn: Int, fanOut: Int, tokens: Int, inputScale: Float, seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            let w = (0..<(fanIn * fanOut)).map { _ in rng.float(scale: 0.5) }
            projection = Projection(fanIn: fanIn, fanOut: fanOut, layout: .rowMajor, weights: w, bias: (0..<fanOut).map { _ in rng.float() })
            inputs = (0..<(tokens * fanIn)).map { _ in rng.float(scale: inputScale) }
            a = (0..<fanIn).map { _ in logf(0.2 + 0.3 * Float(rng.unit())) }
            n = tokens
        }

        /// (1/n) Σ_t ‖W·(d_t − x_t)‖² in Double with explicit loops, d from `decode(t, i)`.
        func error(_ decode: (Int, Int) -> Double) -> Double {
            let F = projection.fanIn, O = projection.fanOut
            var total = 0.0
            for t in 0..<n {
                for o in 0..<O {
                    var e = 0.0
                    for i in 0..<F { e += Double(projection.weight(out: o, in: i)) * (decode(t, i) - Double(inputs[t * F + i])) }
                    total += e * e
                }
            }
            return total / Double(n)
        }

        /// E itself: every neuron stepped by the reference `ATMNNeuron`.
        func trueError(_ a: [Double], _ p: ATMNParameters) -> Double {
            let F = projection.fanIn
            return error { t, i in Double(ATMNNeuron.decoded(input: inputs[t * F + i], threshold: Float(exp(a[i])), parameters: p)) }
        }

        /// The straight-through surrogate at `a` around `a0`: each neuron's net count c₀ and rounding
        /// residual c₀ − x/V₀ frozen at a0 (d = V·(c₀ − x/V₀) + x unsaturated, V·c₀ saturated).
        func surrogateError(_ a: [Double], around a0: [Float], _ p: ATMNParameters) -> Double {
            let F = projection.fanIn
            return error { t, i in
                let x = Double(inputs[t * F + i]), v0 = Double(expf(a0[i]))
                let c0 = Double(ATMNNeuron.spikeTrain(input: inputs[t * F + i], threshold: expf(a0[i]), parameters: p).reduce(0) { $0 + Int($1) })
                let v = exp(a[i])
                return abs(c0) == Double(p.timesteps) ? v * c0 : v * (c0 - x / v0) + x
            }
        }
    }

    /// Central finite differences of `f` at `a` (step h per coordinate).
    static func finiteDifferences(_ a: [Float], h: Double = 1e-4, _ f: ([Double]) -> Double) -> [Double] {
        let base = a.map(Double.init)
        return base.indices.map { i in
            var up = base, down = base
            up[i] += h
            down[i] -= h
            return (f(up) - f(down)) / (2 * h)
        }
    }

    // F ≤ 2·O uses the Gram matrix; F > 2·O multiplies by W twice: both are checked.
    @Test("the gradient equals finite differences of the straight-through surrogate", arguments: [(12, 7), (20, 6)])
    func gradientMatchesSurrogate(shape: (Int, Int)) {
        let p = ATMNParameters(timesteps: 4, tau: 1)
        let site = SmallSite(fanIn: shape.0, fanOut: shape.1, tokens: 40, inputScale: 1.5, seed: 11)
        let objective = SiteOutputObjective(projection: site.projection, inputs: site.inputs, parameters: p, threads: 1)
        let (error, gradient) = objective.evaluate(logThresholds: site.a)
        let reference = site.trueError(site.a.map(Double.init), p)
        #expect(abs(error - reference) <= 1e-4 * reference, "E \(error) vs reference \(reference)")
        #expect(abs(site.surrogateError(site.a.map(Double.init), around: site.a, p) - reference) <= 1e-5 * reference)
        let fd = Self.finiteDifferences(site.a) { site.surrogateError($0, around: site.a, p) }
        let scale = fd.map(abs).max()!
        #expect(scale > 0)
        for i in fd.indices {
            #expect(abs(gradient[i] - fd[i]) <= 2e-3 * scale, "channel \(i): gradient \(gradient[i]) vs finite differences \(fd[i])")
        }
        // Some neurons are saturated and some not, so both branches of the estimator are exercised.
        let (_, saturated) = Self.decodeFlags(objective, site.a)
        #expect(saturated.contains(true) && saturated.contains(false))
    }

    @Test("where every neuron saturates E is smooth, and the gradient equals its finite differences", arguments: [(12, 7), (20, 6)])
    func gradientMatchesTrueErrorWhenSaturated(shape: (Int, Int)) {
        let p = ATMNParameters(timesteps: 3, tau: 1)
        var site = SmallSite(fanIn: shape.0, fanOut: shape.1, tokens: 30, inputScale: 1, seed: 5)
        // |x| ∈ [3, 4] against V ≤ 0.5 and T = 3: every neuron fires at every tick, so d = ±3V exactly.
        site = SmallSite(projection: site.projection, inputs: site.inputs.map { ($0 >= 0 ? 3 : -3) + $0 }, a: site.a, n: site.n)
        let objective = SiteOutputObjective(projection: site.projection, inputs: site.inputs, parameters: p, threads: 1)
        let (_, saturated) = Self.decodeFlags(objective, site.a)
        #expect(saturated.allSatisfy { $0 })
        let (_, gradient) = objective.evaluate(logThresholds: site.a)
        let fd = Self.finiteDifferences(site.a) { site.trueError($0, p) }
        let scale = fd.map(abs).max()!
        for i in fd.indices {
            #expect(abs(gradient[i] - fd[i]) <= 2e-3 * scale, "channel \(i): gradient \(gradient[i]) vs finite differences \(fd[i])")
        }
    }

    static func decodeFlags(_ objective: SiteOutputObjective, _ a: [Float]) -> ([Float], [Bool]) {
        var d = [Float](repeating: 0, count: objective.inputs.count), s = [Bool](repeating: false, count: objective.inputs.count)
        let v = a.map { expf($0) }
        atmnDecode(decoded: &d, saturated: &s, input: objective.inputs, thresholds: v, tokens: objective.tokens,
                   channels: objective.fanIn, parameters: objective.parameters)
        return (d, s)
    }

    @Test("decoding equals the reference neuron bit for bit, with and without leak", arguments: [Float(1), 1.7, 0.8])
    func decodeMatchesNeuron(tau: Float) {
        let p = ATMNParameters(timesteps: 5, tau: tau)
        let site = SmallSite(fanIn: 16, fanOut: 4, tokens: 25, inputScale: 3, seed: 2)
        let objective = SiteOutputObjective(projection: site.projection, inputs: site.inputs, parameters: p, threads: 1)
        let (decoded, saturated) = Self.decodeFlags(objective, site.a)
        for t in 0..<site.n {
            for i in 0..<16 {
                let x = site.inputs[t * 16 + i], v = expf(site.a[i])
                let train = ATMNNeuron.spikeTrain(input: x, threshold: v, parameters: p)
                var sum: Float = 0
                for s in train where s != 0 { sum += Float(s) * v }
                #expect(decoded[t * 16 + i].bitPattern == sum.bitPattern)
                #expect(saturated[t * 16 + i] == (abs(train.reduce(0) { $0 + Int($1) }) == p.timesteps))
            }
        }
    }

    static let checkpoint = try! Checkpoint.load(FixturePaths.tinyLlambaBytes)
    static let heldout = Array(try! Data(contentsOf: FixturePaths.tinyLlambaBytes.appendingPathComponent("heldout.txt"))).map(Int.init)

    @Test("learning lowers a site's output error on the calibration data")
    func learningLowersError() throws {
        let model = Self.checkpoint.model
        let site = AccountingUnit(layer: 1, kind: .mlpDownProj)
        let tokens = Array(Self.heldout[1024..<1280])
        let activations = try CalibrationActivations(model: model, tokens: tokens, sites: [site], sourceName: "heldout")
        let p = ATMNParameters(timesteps: 4, tau: 1)
        let start = try ThresholdSet.calibrated(from: activations, shape: model.shape, sites: [site], parameters: p, rule: CalibrationRule())
        let objective = SiteOutputObjective(projection: model.projection(at: site)!, inputs: activations.samples[site]!, parameters: p)
        let learned = objective.learn(from: start.logValues(site), settings: OutputRuleSettings(steps: 60))
        #expect(learned.errorBefore == objective.error(thresholds: start.values[site]!))
        #expect(learned.errorAfter == objective.error(thresholds: learned.logThresholds.map { expf($0) }))
        // Measured: 0.156 → 0.066 of the output energy; require at least a 30% cut.
        #expect(learned.errorAfter < 0.7 * learned.errorBefore, "\(learned.errorBefore) → \(learned.errorAfter)")
    }

    static func calibrate(threads: Int, settings: OutputRuleSettings, placement: String = "all", tokens: Int = 192) throws -> CalibrationResult {
        let model = Self.checkpoint.model
        let sites = try Placement(placement, shape: model.shape).sites
        let rule = CalibrationRule(kind: .output, output: settings)
        return try SequentialCalibration.run(model: model, tokens: Array(Self.heldout[1024..<(1024 + tokens)]), sites: sites,
                                             parameters: ATMNParameters(timesteps: 4, tau: 1), rule: rule, sourceName: "heldout",
                                             threads: threads)
    }

    @Test("the sequential pass lowers every site's output error and is the same for any thread count")
    func sequentialDeterministic() throws {
        let settings = OutputRuleSettings(steps: 25)
        let one = try Self.calibrate(threads: 1, settings: settings)
        let two = try Self.calibrate(threads: 2, settings: settings)
        #expect(one.thresholds == two.thresholds)
        #expect(one.sites.map(\.errorAfter) == two.sites.map(\.errorAfter))
        #expect(one.sites.count == 16)
        for s in one.sites { #expect(s.errorAfter < s.errorBefore, "\(s.site.name): \(s.errorBefore) → \(s.errorAfter)") }
    }

    @Test("mini-batches are drawn from the seed: the same seed repeats, another seed differs")
    func seededMiniBatches() throws {
        let a = try Self.calibrate(threads: 2, settings: OutputRuleSettings(steps: 15, batchTokens: 32, seed: 7), placement: "mixer@0")
        let b = try Self.calibrate(threads: 1, settings: OutputRuleSettings(steps: 15, batchTokens: 32, seed: 7), placement: "mixer@0")
        let c = try Self.calibrate(threads: 2, settings: OutputRuleSettings(steps: 15, batchTokens: 32, seed: 8), placement: "mixer@0")
        #expect(a.thresholds == b.thresholds)
        #expect(a.thresholds.values != c.thresholds.values)
    }

    @Test("a threshold file reads back bit for bit, for every rule", arguments: CalibrationRule.Kind.allCases)
    func fileRoundTrip(kind: CalibrationRule.Kind) throws {
        let model = Self.checkpoint.model
        let sites = try Placement("all", shape: model.shape).sites
        let rule = CalibrationRule(kind: kind, output: OutputRuleSettings(steps: 10))
        let result = try SequentialCalibration.run(model: model, tokens: Array(Self.heldout[1024..<1152]), sites: sites,
                                                   parameters: ATMNParameters(timesteps: 2, tau: 1), rule: rule, sourceName: "heldout")
        let directory = try TemporaryDirectory()
        let path = directory.file("thresholds.safetensors").path
        try result.thresholds.write(to: path, sites: sites, metadata: ["rule": kind.rawValue])
        let read = try ThresholdSet.learned(file: URL(fileURLWithPath: path), sites: sites, shape: model.shape)
        for site in sites {
            #expect(read.values[site]!.map(\.bitPattern) == result.thresholds.values[site]!.map(\.bitPattern), "\(site.name)")
            #expect(read.logValues(site) == result.thresholds.logValues(site))
        }
        // The rule's in-memory thresholds (what simulate --calibration-rule uses) are the same values.
        if kind != .output {
            let direct = try ThresholdSet.calibrated(model: model, tokens: Array(Self.heldout[1024..<1152]), sites: sites,
                                                     parameters: ATMNParameters(timesteps: 2, tau: 1), rule: rule, sourceName: "heldout")
            #expect(direct.values == read.values)
        }
        // The file's header names the source in its metadata.
        let file = try SafetensorsFile(url: URL(fileURLWithPath: path))
        #expect(file.tensors.count == sites.count)
    }
}

extension OutputCalibrationTests.SmallSite {
    init(projection: Projection, inputs: [Float], a: [Float], n: Int) {
        self.projection = projection
        self.inputs = inputs
        self.a = a
        self.n = n
    }
}
