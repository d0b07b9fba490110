import Foundation
import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import Testing

/// Recomputes the engine's counts independently: shapes give the dense parts, and re-running the
/// reference neuron on the inputs each site actually saw gives the spikes.
@Suite("Accounting")
struct AccountingTests {
    /// Wraps the spiking runner and keeps every projection's input.
    struct Spy: ProjectionRunner {
        var inner: SpikingRunner
        var inputs: [AccountingUnit: [Float]] = [:]
        mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens n: Int,
                          site: AccountingUnit, unit: Int, counts: UnsafeMutablePointer<TokenCounts>) {
            inputs[site] = Array(UnsafeBufferPointer(start: input, count: p.fanIn))
            inner.run(p, input: input, output: output, tokens: n, site: site, unit: unit, counts: counts)
        }
        mutating func beginChunk(tokens n: Int) { inner.beginChunk(tokens: n) }
    }

    @Test("per token × unit counts equal an independent recount", arguments: [1, 3])
    func recount(T: Int) throws {
        let checkpoint = try Checkpoint.load(FixturePaths.tinyLlambaBytes)
        let model = checkpoint.model, s = model.shape
        let placement = try Placement("mixer.in_proj,mlp@1-2,lm_head", shape: s)
        let p = ATMNParameters(timesteps: T, tau: 1)
        let thresholds = ThresholdSet.fixed(0.3, sites: placement.sites, shape: s)
        let pass = ForwardPass(model: model)
        var spy = Spy(inner: try SpikingRunner(model: model, placement: placement, thresholds: thresholds, parameters: p, threads: 1))
        var state = RecurrentState(shape: s)
        let D = s.dModel, I = s.dInner, H = s.heads, P = s.headDim, N = s.dState, G = s.groups
        let C = s.convChannels, K = s.convKernel, M = s.mlpHidden, V = s.vocabSize
        for token in [84, 104, 101, 32] {
            spy.inner.beginToken()
            spy.inputs = [:]
            var counts = TokenCounts(unitCount: pass.index.units.count)
            _ = pass.step(token: token, state: &state, runner: &spy, counts: &counts)
            for (u, unit) in pass.index.units.enumerated() {
                var e = ActivityCounts()
                switch unit.kind {
                case .embedding: e.weightsRead = D
                case .mixerNorm, .mlpNorm:
                    e.elementwiseMuls = 3 * D; e.elementwiseAdds = 2 * D; e.elementwiseNonlinear = 1; e.weightsRead = D
                case .finalNorm:
                    e.elementwiseMuls = 3 * D; e.elementwiseAdds = D; e.elementwiseNonlinear = 1; e.weightsRead = D
                case .mixerConv:
                    e.denseMACs = C * K; e.weightsRead = C * K + C; e.elementwiseAdds = C; e.elementwiseNonlinear = C
                    e.recurrentStateRead = C * (K - 1); e.recurrentStateWritten = C
                case .mixerSSM:
                    e.denseMACs = 2 * H * P * N + H * P
                    e.elementwiseMuls = H * P * N + H * P + H + 4 * I
                    e.elementwiseAdds = H + I
                    e.elementwiseNonlinear = 2 * H + I + G
                    e.weightsRead = 3 * H + I
                    e.recurrentStateRead = H * P * N; e.recurrentStateWritten = H * P * N
                case .mlpAct: e.elementwiseNonlinear = M; e.elementwiseMuls = M
                case .mixerInProj, .mixerOutProj, .mlpGateUpProj, .mlpDownProj, .lmHead:
                    let (fanIn, fanOut) = s.projectionSize(unit.kind)!
                    if placement.sites.contains(unit) {
                        let x = spy.inputs[unit]!, v = thresholds.values[unit]!
                        var plus = 0, minus = 0, later = 0
                        for i in 0..<fanIn {
                            let train = ATMNNeuron.spikeTrain(input: x[i], threshold: v[i], parameters: p)
                            for spike in train {
                                if spike > 0 { plus += 1 } else if spike < 0 { minus += 1 }
                            }
                            later += train.dropFirst().filter { $0 != 0 }.count
                        }
                        // NeuroBench's membrane updates: every neuron at tick 0; after it, with tau = 1, an
                        // ATMN membrane changes exactly when the neuron fires (u_t = u_{t−1} − s_t·V).
                        e.membraneUpdates = fanIn + later
                        e.spikesPositive = plus; e.spikesNegative = minus; e.spikePayloadBits = plus + minus  // ATMN: one sign bit per event
                        e.synapticOps = (plus + minus) * fanOut
                        e.neuronUpdates = fanIn * T; e.neuronStateRead = fanIn * T; e.neuronStateWritten = fanIn * T
                        e.weightsRead = (plus + minus) * fanOut + fanIn
                    } else {
                        e.denseMACs = fanIn * fanOut; e.weightsRead = fanIn * fanOut
                    }
                }
                #expect(counts.counts[u] == e, "unit \(unit.name), token \(token)")
            }
            #expect(counts.counts.reduce(0) { $0 + $1.spikes } > 0)
        }
        _ = V
    }

    @Test("the dense baseline counts every projection as MACs")
    func denseBaseline() throws {
        let model = try Checkpoint.load(FixturePaths.tinyLlambaBytes).model, s = model.shape
        let baseline = ForwardPass(model: model).denseCountsPerToken().reduce(ActivityCounts(), +)
        let projections = s.layers * (s.dModel * s.inProjRows + s.dInner * s.dModel + s.dModel * 2 * s.mlpHidden + s.mlpHidden * s.dModel)
            + s.dModel * s.vocabSize
        let convAndScan = s.layers * (s.convChannels * s.convKernel + 2 * s.heads * s.headDim * s.dState + s.heads * s.headDim)
        #expect(baseline.denseMACs == projections + convAndScan)
        #expect(projections == 1_052_672) // DESIGN.md §2: "the dense model's projections cost 1.05 M MACs per token"
        #expect(baseline.spikes == 0 && baseline.synapticOps == 0 && baseline.neuronUpdates == 0)
    }
}
