import Foundation
import MarsimCheckpoint
import MarsimCore

/// Runs one linear projection inside the forward pass, for a chunk of tokens. The dense runner
/// multiplies; the spiking runner turns each token's input into ATMN spikes and delivers events.
/// The forward pass does not care.
public protocol ProjectionRunner {
    /// output (n × p.fanOut, row t = token t) = p(input (n × p.fanIn)); counts token t's work in `counts[t]`.
    mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens n: Int,
                      site: AccountingUnit, unit: Int, counts: UnsafeMutablePointer<TokenCounts>)

    /// Called before each chunk (a spiking runner clears the previous chunk's spikes).
    mutating func beginChunk(tokens n: Int)
}

extension ProjectionRunner {
    public mutating func beginChunk(tokens n: Int) {}
    /// `beginChunk(tokens: 1)`: before a single decode step.
    public mutating func beginToken() { beginChunk(tokens: 1) }
}

/// Every projection dense (fp32 multiply-accumulate): one token by GEMV (bandwidth-bound: each
/// weight read once), several by GEMM (compute-bound: each weight read once per chunk).
public struct DenseRunner: ProjectionRunner {
    /// Worker threads for large projections (1 = single-threaded). Results do not depend on it.
    public var threads: Int
    /// Multiply-accumulates (or event adds) below which a projection stays on one thread.
    public var minimumParallelWork: Int

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, minimumParallelWork: Int = 1 << 18) {
        self.threads = max(1, threads)
        self.minimumParallelWork = minimumParallelWork
    }

    public mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens n: Int,
                             site: AccountingUnit, unit: Int, counts: UnsafeMutablePointer<TokenCounts>) {
        multiply(p, input: input, output: output, tokens: n)
        for t in 0..<n { counts[t].denseProjection(unit, p.fanIn, p.fanOut, bias: p.bias != nil) }
    }

    /// The product alone, without counting: GEMV for one token, GEMM for several.
    func multiply(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens n: Int) {
        if n == 1 {
            parallelDenseProject(output, input, p, threads: threads, minimumWork: minimumParallelWork)
        } else {
            gemmProject(output, input, tokens: n, p, threads: threads)
        }
    }
}

/// Counts every projection as `DenseRunner` does but computes nothing (outputs are zero): the
/// counts of a dense token do not depend on its values.
struct DenseCountingRunner: ProjectionRunner {
    mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens n: Int,
                      site: AccountingUnit, unit: Int, counts: UnsafeMutablePointer<TokenCounts>) {
        output.update(repeating: 0, count: n * p.fanOut)
        for t in 0..<n { counts[t].denseProjection(unit, p.fanIn, p.fanOut, bias: p.bias != nil) }
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

/// Runs a `LanguageModel` over tokens: embedding → blocks → final norm → lm_head.
///
/// Each block is `x += Mixer(RMSNorm(x))`, then, when it has one, `x += MLP(RMSNorm(x))`. The four
/// block projections and lm_head go through the `ProjectionRunner`; everything else is dense fp32.
///
/// `forward` runs a chunk of known tokens layer by layer (each projection once for the whole chunk,
/// so its weights are read once per chunk: GEMM instead of GEMV); `step` is the chunk of one token
/// that decoding uses. Token by token, everything outside the projections computes the same
/// arithmetic in both, and the recurrent state carries over from chunk to chunk.
public struct ForwardPass: Sendable {
    public let model: LanguageModel
    public let index: UnitIndex
    /// Worker threads for the mixers' scans (results do not depend on it).
    public var threads: Int

    public init(model: LanguageModel, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.model = model
        self.index = UnitIndex(shape: model.shape)
        self.threads = max(1, threads)
    }

    /// Runs token `token` through the model, updating `state`, and returns the next-token logits (V).
    ///
    /// - observe: called with each point of the residual stream (`HiddenStatePoint`) and its D values.
    public func step<R: ProjectionRunner>(token: Int, state: inout RecurrentState, runner: inout R,
                                          counts: inout TokenCounts,
                                          observe: ((HiddenStatePoint, UnsafeBufferPointer<Float>) -> Void)? = nil) -> [Float] {
        var logits = [Float](repeating: 0, count: model.shape.vocabSize)
        logits.withUnsafeMutableBufferPointer { lb in
            withUnsafeMutablePointer(to: &counts) { c in
                forward(tokens: [token], state: &state, runner: &runner, counts: c, logits: lb.baseAddress!,
                        observe: observe.map { f in { point, _, values in f(point, values) } })
            }
        }
        return logits
    }

    /// Runs the n = `tokens.count` tokens of one sequence (continuing from `state`, which it updates)
    /// layer by layer, and writes each token's next-token logits to row t of `logits` (n × V).
    /// `counts[t]` receives token t's work.
    ///
    /// - observe: called with each point of the residual stream, the token's index in the chunk and its D values.
    public func forward<R: ProjectionRunner>(tokens: [Int], state: inout RecurrentState, runner: inout R,
                                             counts: UnsafeMutablePointer<TokenCounts>, logits: UnsafeMutablePointer<Float>,
                                             observe: ((HiddenStatePoint, Int, UnsafeBufferPointer<Float>) -> Void)? = nil) {
        withUnsafeMutablePointer(to: &state) { p in
            forward(tokens: tokens, lanes: UnsafeMutableBufferPointer(start: p, count: 1), runner: &runner, counts: counts,
                    logits: logits, observe: observe)
        }
    }

    /// `forward` for several models of the same shape over the same tokens, as lanes of one pass:
    /// lane l (with recurrent state `lanes[l]`) is rows l·n ..< (l+1)·n of every activation, count
    /// and logit table, so a runner sees each projection once for all lanes (`PairedRunner` runs a
    /// spiking model and its dense reference this way, one GEMM per projection for both).
    func forward<R: ProjectionRunner>(tokens: [Int], lanes: UnsafeMutableBufferPointer<RecurrentState>, runner: inout R,
                                      counts: UnsafeMutablePointer<TokenCounts>, logits: UnsafeMutablePointer<Float>,
                                      observe: ((HiddenStatePoint, Int, UnsafeBufferPointer<Float>) -> Void)? = nil) {
        let s = model.shape, D = s.dModel, n = tokens.count, rows = n * lanes.count
        guard n > 0 else { return }
        let eps = model.hyper.normEpsilon
        let x = UnsafeMutablePointer<Float>.allocate(capacity: rows * D)
        let h = UnsafeMutablePointer<Float>.allocate(capacity: rows * D)
        let delta = UnsafeMutablePointer<Float>.allocate(capacity: rows * D)
        let projWidth = max(s.inProjRows, 2 * s.mlpHidden, D)
        let proj = UnsafeMutablePointer<Float>.allocate(capacity: rows * projWidth)
        let innerWidth = max(s.dInner, s.mlpHidden, 1)
        let u = UnsafeMutablePointer<Float>.allocate(capacity: rows * innerWidth)
        defer { x.deallocate(); h.deallocate(); delta.deallocate(); proj.deallocate(); u.deallocate() }
        func observeAll(_ point: HiddenStatePoint, _ values: UnsafeMutablePointer<Float>) {
            guard let observe else { return }
            for t in 0..<n { observe(point, t, UnsafeBufferPointer(start: values + t * D, count: D)) }
        }
        // Row-wise steps (norms, residual adds, the MLP's gate) split their rows over the workers.
        func normRows(_ weight: [Float], unit: Int) {
            weight.withUnsafeBufferPointer { w in
                forEachRange(of: rows, work: rows * D * 4, threads: threads) { rs in
                    for r in rs { rmsNorm(h + r * D, x + r * D, w.baseAddress!, D, eps: eps) }
                }
            }
            for r in 0..<rows { counts[r].rmsNorm(unit, n: D) }
        }
        func addRows(_ unit: Int) {
            forEachRange(of: rows, work: rows * D, threads: threads) { rs in
                for k in (rs.lowerBound * D)..<(rs.upperBound * D) { x[k] += delta[k] }
            }
            for r in 0..<rows { counts[r].counts[unit].elementwiseAdds += D }
        }

        let embeddingUnit = index(nil, .embedding)
        for r in 0..<rows {
            let token = tokens[r % n]
            precondition(token >= 0 && token < s.vocabSize, "token id \(token) outside the vocabulary")
            model.embedding.widen((token * D)..<((token + 1) * D), into: x + r * D)
            counts[r].counts[embeddingUnit].weightsRead += D
        }
        observeAll(.embedding, x)

        for (layer, block) in model.blocks.enumerated() {
            // Mixer half.
            let normUnit = index(layer, .mixerNorm)
            normRows(block.mixerNorm, unit: normUnit)
            let inRows = block.mixer.inProj.fanOut
            runner.run(block.mixer.inProj, input: h, output: proj, tokens: rows, site: AccountingUnit(layer: layer, kind: .mixerInProj),
                       unit: index(layer, .mixerInProj), counts: counts)
            for lane in lanes.indices {
                lanes[lane].conv[layer].withUnsafeMutableBufferPointer { cb in
                    lanes[lane].ssm[layer].withUnsafeMutableBufferPointer { sb in
                        mixerCore(u: u + lane * n * s.dInner, inProj: proj + lane * n * inRows, rows: inRows, tokens: n,
                                  conv: cb.baseAddress!, ssm: sb.baseAddress!, weights: block.mixer, layer: layer,
                                  counts: counts + lane * n)
                    }
                }
            }
            runner.run(block.mixer.outProj, input: u, output: delta, tokens: rows, site: AccountingUnit(layer: layer, kind: .mixerOutProj),
                       unit: index(layer, .mixerOutProj), counts: counts)
            addRows(normUnit)

            // MLP half.
            if let mlp = block.mlp, let mlpNorm = block.mlpNorm {
                let M = s.mlpHidden
                let mlpNormUnit = index(layer, .mlpNorm)
                normRows(mlpNorm, unit: mlpNormUnit)
                runner.run(mlp.gateUp, input: h, output: proj, tokens: rows, site: AccountingUnit(layer: layer, kind: .mlpGateUpProj),
                           unit: index(layer, .mlpGateUpProj), counts: counts)
                forEachRange(of: rows, work: rows * M * 4, threads: threads) { rs in
                    for r in rs {
                        let g = proj + r * 2 * M, ur = u + r * M
                        for i in 0..<M { ur[i] = silu(g[i]) * g[M + i] }
                    }
                }
                let act = index(layer, .mlpAct)
                for r in 0..<rows {
                    counts[r].counts[act].elementwiseNonlinear += M
                    counts[r].counts[act].elementwiseMuls += M
                }
                runner.run(mlp.down, input: u, output: delta, tokens: rows, site: AccountingUnit(layer: layer, kind: .mlpDownProj),
                           unit: index(layer, .mlpDownProj), counts: counts)
                addRows(mlpNormUnit)
            }
            observeAll(.afterBlock(layer), x)
        }
        normRows(model.finalNorm, unit: index(nil, .finalNorm))
        observeAll(.finalNorm, h)
        runner.run(model.lmHead, input: h, output: logits, tokens: rows, site: AccountingUnit(layer: nil, kind: .lmHead),
                   unit: index(nil, .lmHead), counts: counts)

        // Weight reads when the chunk shares each fetch (per lane: each lane is its own model run):
        // every token reads its own embedding row; any other weight is the same for every token
        // (each token's weightsRead is the whole weight), so the chunk reads it once. Units a runner
        // already filled (spiking sites) keep theirs.
        for lane in lanes.indices {
            let c = counts + lane * n
            for u in index.units.indices where (0..<n).allSatisfy({ c[$0].weightsReadShared[u] == 0 }) {
                if u == embeddingUnit {
                    for t in 0..<n { c[t].weightsReadShared[u] = c[t].counts[u].weightsRead }
                } else {
                    let once = c[0].counts[u].weightsRead
                    for t in 0..<n { c[t].weightsReadShared[u] = evenShare(once, of: n, token: t) }
                }
            }
        }
    }

    private func mixerCore(u: UnsafeMutablePointer<Float>, inProj: UnsafePointer<Float>, rows: Int, tokens n: Int,
                           conv: UnsafeMutablePointer<Float>, ssm: UnsafeMutablePointer<Float>, weights: MixerWeights,
                           layer: Int, counts: UnsafeMutablePointer<TokenCounts>) {
        let convUnit = index(layer, .mixerConv), ssmUnit = index(layer, .mixerSSM)
        switch weights.kind {
        case .mamba2:
            mamba2MixerChunk(u: u, zxbcdt: inProj, rows: rows, tokens: n, conv: conv, ssm: ssm, weights: weights, shape: model.shape,
                             hyper: model.hyper, counts: counts, convUnit: convUnit, ssmUnit: ssmUnit, threads: threads)
        case .discreteMamba2:
            discreteMamba2MixerChunk(u: u, xBCzA: inProj, rows: rows, tokens: n, conv: conv, ssm: ssm, weights: weights,
                                     shape: model.shape, hyper: model.hyper, counts: counts, convUnit: convUnit, ssmUnit: ssmUnit,
                                     threads: threads)
        }
    }

    /// Counts of one token of this model run fully dense, per unit (the same for every token).
    /// Counting needs no projection arithmetic: the projections are counted as `DenseRunner` counts
    /// them and output zeros, so this costs the mixers' work, not a pass over the weights.
    public func denseCountsPerToken() -> [ActivityCounts] {
        var state = RecurrentState(shape: model.shape)
        var runner = DenseCountingRunner()
        var counts = TokenCounts(unitCount: index.units.count)
        _ = step(token: 0, state: &state, runner: &runner, counts: &counts)
        return counts.counts
    }
}

/// How a sequence of known tokens is cut into chunks that run layer by layer (`ForwardPass.forward`).
///
/// Longer chunks read each weight once for more tokens (GEMM instead of GEMV) but hold more
/// activations and logits (chunk × vocabulary floats); 1 is the token-by-token decode path.
public struct ChunkPlan: Sendable, Equatable {
    /// The default chunk length: long enough that SGEMM runs near its ceiling on 2 cores, short enough
    /// that a chunk's logits stay small beside the weights (256 × 128,256 floats = 131 MB).
    public static let defaultChunk = 256

    /// The chunks, in order, covering 0..<count.
    public let ranges: [Range<Int>]

    public init(count: Int, chunk: Int) {
        let size = max(1, chunk)
        ranges = stride(from: 0, to: max(count, 0), by: size).map { $0..<min(count, $0 + size) }
    }
}

/// What `ForwardPass.run` returns for a chunk: every token's logits and counts.
public struct ChunkOutput: Sendable {
    /// n × V, row t = token t's next-token logits. A slice: the two lanes of a paired run share one
    /// buffer (copying each lane out held the chunk's logits twice, 103 MB at 1.3B and 256 tokens).
    public var logits: ArraySlice<Float>
    /// Per token, per unit.
    public var counts: [TokenCounts]
    /// V.
    public let vocabSize: Int

    /// Token t's logits.
    public func logits(_ t: Int) -> ArraySlice<Float> {
        let start = logits.startIndex + t * vocabSize
        return logits[start..<(start + vocabSize)]
    }
}

extension ForwardPass {
    /// Runs one chunk of tokens through the spiking model (lane 1, state `spiking`) and its dense
    /// reference (lane 0, state `dense`) together, each projection's weights read once for both.
    /// Returns the dense and the spiking model's outputs.
    public func runPaired(_ tokens: [Int], dense: inout RecurrentState, spiking: inout RecurrentState,
                          runner: inout SpikingRunner) -> (dense: ChunkOutput, spiking: ChunkOutput) {
        let n = tokens.count, V = model.shape.vocabSize
        var paired = PairedRunner(spiking: runner)
        swap(&paired.spiking, &runner)
        defer { swap(&paired.spiking, &runner) }
        paired.beginChunk(tokens: 2 * n)
        var counts = [TokenCounts](repeating: TokenCounts(unitCount: index.units.count), count: 2 * n)
        var logits = [Float](repeating: 0, count: 2 * n * V)
        var lanes = [RecurrentState]()
        lanes.reserveCapacity(2)
        lanes.append(dense)
        lanes.append(spiking)
        dense = RecurrentState(empty: ())
        spiking = RecurrentState(empty: ())
        logits.withUnsafeMutableBufferPointer { lb in
            counts.withUnsafeMutableBufferPointer { cb in
                lanes.withUnsafeMutableBufferPointer { sb in
                    forward(tokens: tokens, lanes: sb, runner: &paired, counts: cb.baseAddress!, logits: lb.baseAddress!)
                }
            }
        }
        dense = lanes[0]
        spiking = lanes[1]
        return (ChunkOutput(logits: logits[0..<(n * V)], counts: Array(counts[0..<n]), vocabSize: V),
                ChunkOutput(logits: logits[(n * V)...], counts: Array(counts[n...]), vocabSize: V))
    }

    /// Runs one chunk of tokens (after `runner.beginChunk`) with fresh counts; see `forward`.
    public func run<R: ProjectionRunner>(_ tokens: [Int], state: inout RecurrentState, runner: inout R) -> ChunkOutput {
        let n = tokens.count, V = model.shape.vocabSize
        runner.beginChunk(tokens: n)
        var counts = [TokenCounts](repeating: TokenCounts(unitCount: index.units.count), count: n)
        var logits = [Float](repeating: 0, count: n * V)
        logits.withUnsafeMutableBufferPointer { lb in
            counts.withUnsafeMutableBufferPointer { cb in
                forward(tokens: tokens, state: &state, runner: &runner, counts: cb.baseAddress!, logits: lb.baseAddress!)
            }
        }
        return ChunkOutput(logits: logits[...], counts: counts, vocabSize: V)
    }
}
