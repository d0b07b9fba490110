import Foundation
import MarsimCheckpoint
import MarsimCore

/// Runs one linear projection inside the forward pass. The dense runner multiplies; the spiking
/// runner turns the input into ATMN spikes and delivers events. The forward pass does not care.
public protocol ProjectionRunner {
    /// output (p.fanOut) = p(input (p.fanIn)); counts the work against `unit`.
    mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                      site: AccountingUnit, unit: Int, counts: inout TokenCounts)

    /// Called before each token's step (a spiking runner clears the previous token's spikes).
    mutating func beginToken()
}

extension ProjectionRunner {
    public mutating func beginToken() {}
}

/// Every projection dense (fp32 multiply-accumulate).
public struct DenseRunner: ProjectionRunner {
    /// Worker threads for large projections (1 = single-threaded). Results do not depend on it.
    public var threads: Int
    /// Multiply-accumulates (or event adds) below which a projection stays on one thread.
    public var minimumParallelWork: Int

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, minimumParallelWork: Int = 1 << 18) {
        self.threads = max(1, threads)
        self.minimumParallelWork = minimumParallelWork
    }

    public mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             site: AccountingUnit, unit: Int, counts: inout TokenCounts) {
        parallelDenseProject(output, input, p, threads: threads, minimumWork: minimumParallelWork)
        counts.denseProjection(unit, p.fanIn, p.fanOut, bias: p.bias != nil)
    }
}

/// A point of the residual stream that `ForwardPass.step` can report.
public enum HiddenStatePoint: Equatable, Sendable {
    /// The embedding output.
    case embedding
    /// The output of block i (the stream entering block i + 1).
    case afterBlock(Int)
    /// The final RMSNorm's output (the lm_head input).
    case finalNorm
}

/// One decode step of a `LanguageModel`: embedding → blocks → final norm → lm_head.
///
/// Each block is `x += Mixer(RMSNorm(x))`, then, when it has one, `x += MLP(RMSNorm(x))`. The four
/// block projections and lm_head go through the `ProjectionRunner`; everything else is dense fp32.
public struct ForwardPass: Sendable {
    public let model: LanguageModel
    public let index: UnitIndex

    public init(model: LanguageModel) {
        self.model = model
        self.index = UnitIndex(shape: model.shape)
    }

    /// Runs token `token` through the model, updating `state`, and returns the next-token logits (V).
    ///
    /// - observe: called with each point of the residual stream (`HiddenStatePoint`) and its D values.
    public func step<R: ProjectionRunner>(token: Int, state: inout RecurrentState, runner: inout R,
                                          counts: inout TokenCounts,
                                          observe: ((HiddenStatePoint, UnsafeBufferPointer<Float>) -> Void)? = nil) -> [Float] {
        let s = model.shape, D = s.dModel
        precondition(token >= 0 && token < s.vocabSize, "token id \(token) outside the vocabulary")
        var x = [Float](repeating: 0, count: D)
        x.withUnsafeMutableBufferPointer { model.embedding.widen((token * D)..<((token + 1) * D), into: $0.baseAddress!) }
        counts.counts[index(nil, .embedding)].weightsRead += D
        var h = [Float](repeating: 0, count: D)
        var proj = [Float](repeating: 0, count: max(s.inProjRows, 2 * s.mlpHidden, D))
        var u = [Float](repeating: 0, count: max(s.dInner, s.mlpHidden))
        var delta = [Float](repeating: 0, count: D)
        x.withUnsafeBufferPointer { observe?(.embedding, $0) }

        for (layer, block) in model.blocks.enumerated() {
            // Mixer half.
            let normUnit = index(layer, .mixerNorm)
            rmsNorm(&h, x, block.mixerNorm, D, eps: model.hyper.normEpsilon)
            counts.rmsNorm(normUnit, n: D)
            runner.run(block.mixer.inProj, input: h, output: &proj, site: AccountingUnit(layer: layer, kind: .mixerInProj),
                       unit: index(layer, .mixerInProj), counts: &counts)
            proj.withUnsafeBufferPointer { pb in
                u.withUnsafeMutableBufferPointer { ub in
                    state.conv[layer].withUnsafeMutableBufferPointer { cb in
                        state.ssm[layer].withUnsafeMutableBufferPointer { sb in
                            mixerCore(u: ub.baseAddress!, inProj: pb.baseAddress!, conv: cb.baseAddress!, ssm: sb.baseAddress!,
                                      weights: block.mixer, layer: layer, counts: &counts)
                        }
                    }
                }
            }
            runner.run(block.mixer.outProj, input: u, output: &delta, site: AccountingUnit(layer: layer, kind: .mixerOutProj),
                       unit: index(layer, .mixerOutProj), counts: &counts)
            for i in 0..<D { x[i] += delta[i] }
            counts.counts[normUnit].elementwiseAdds += D

            // MLP half.
            if let mlp = block.mlp, let mlpNorm = block.mlpNorm {
                let M = s.mlpHidden
                let mlpNormUnit = index(layer, .mlpNorm)
                rmsNorm(&h, x, mlpNorm, D, eps: model.hyper.normEpsilon)
                counts.rmsNorm(mlpNormUnit, n: D)
                runner.run(mlp.gateUp, input: h, output: &proj, site: AccountingUnit(layer: layer, kind: .mlpGateUpProj),
                           unit: index(layer, .mlpGateUpProj), counts: &counts)
                for i in 0..<M { u[i] = silu(proj[i]) * proj[M + i] }
                let act = index(layer, .mlpAct)
                counts.counts[act].elementwiseNonlinear += M
                counts.counts[act].elementwiseMuls += M
                runner.run(mlp.down, input: u, output: &delta, site: AccountingUnit(layer: layer, kind: .mlpDownProj),
                           unit: index(layer, .mlpDownProj), counts: &counts)
                for i in 0..<D { x[i] += delta[i] }
                counts.counts[mlpNormUnit].elementwiseAdds += D
            }
            x.withUnsafeBufferPointer { observe?(.afterBlock(layer), $0) }
        }
        rmsNorm(&h, x, model.finalNorm, D, eps: model.hyper.normEpsilon)
        counts.rmsNorm(index(nil, .finalNorm), n: D)
        h.withUnsafeBufferPointer { observe?(.finalNorm, $0) }
        var logits = [Float](repeating: 0, count: s.vocabSize)
        runner.run(model.lmHead, input: h, output: &logits, site: AccountingUnit(layer: nil, kind: .lmHead),
                   unit: index(nil, .lmHead), counts: &counts)
        return logits
    }

    private func mixerCore(u: UnsafeMutablePointer<Float>, inProj: UnsafePointer<Float>, conv: UnsafeMutablePointer<Float>,
                           ssm: UnsafeMutablePointer<Float>, weights: MixerWeights, layer: Int, counts: inout TokenCounts) {
        let convUnit = index(layer, .mixerConv), ssmUnit = index(layer, .mixerSSM)
        switch weights.kind {
        case .mamba2:
            mamba2MixerCore(u: u, zxbcdt: inProj, conv: conv, ssm: ssm, weights: weights, shape: model.shape,
                            hyper: model.hyper, counts: &counts, convUnit: convUnit, ssmUnit: ssmUnit)
        case .discreteMamba2:
            discreteMamba2MixerCore(u: u, xBCzA: inProj, conv: conv, ssm: ssm, weights: weights, shape: model.shape,
                                    hyper: model.hyper, counts: &counts, convUnit: convUnit, ssmUnit: ssmUnit)
        }
    }

    /// Counts of one token of this model run fully dense, per unit (the same for every token).
    public func denseCountsPerToken() -> [ActivityCounts] {
        var state = RecurrentState(shape: model.shape)
        var runner = DenseRunner(threads: 1)
        var counts = TokenCounts(unitCount: index.units.count)
        _ = step(token: 0, state: &state, runner: &runner, counts: &counts)
        return counts.counts
    }
}
