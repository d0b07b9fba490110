import MarsimTestSupport
import Foundation
import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import Testing

/// The event-driven engine on the embedded checkpoint (tiny-llamba-bytes).
@Suite("Spiking engine")
struct SpikingEngineTests {
    static let checkpoint = try! Checkpoint.load(FixturePaths.tinyLlambaBytes)
    static let heldout = Array(try! Data(contentsOf: FixturePaths.tinyLlambaBytes.appendingPathComponent("heldout.txt"))).map(Int.init)

    static func settings(T: Int, placement: String = "all", tokens: [Int], threads: Int = 1) throws -> SimulationSettings {
        let model = checkpoint.model
        let placement = try Placement(placement, shape: model.shape)
        let p = ATMNParameters(timesteps: T, tau: 1)
        let thresholds = try ThresholdSet.calibrated(model: model, tokens: tokens, sites: placement.sites, parameters: p,
                                                     rule: CalibrationRule(), sourceName: "heldout")
        return SimulationSettings(mode: .spiking, parameters: p, placement: placement, thresholds: thresholds, threads: threads)
    }

    static func run(_ settings: SimulationSettings, _ tokens: [Int]) throws -> (SimulationSummary, [[Float]], [[SiteSpikes]]) {
        var logits: [[Float]] = [], spikes: [[SiteSpikes]] = []
        let summary = try Simulator(model: checkpoint.model, settings: settings).run(tokens: tokens, bytesOfToken: { _ in 1 }) { a, l in
            logits.append(l)
            spikes.append(a.spikes)
        }
        return (summary, logits, spikes)
    }

    @Test("a spiking projection equals the dense product of the decoded spike values")
    func engineEqualsDenseOnDecodedValues() throws {
        let model = Self.checkpoint.model
        let site = AccountingUnit(layer: 1, kind: .mlpGateUpProj)
        let projection = model.blocks[1].mlp!.gateUp
        var rng = SplitMix64(seed: 3)
        let input = (0..<projection.fanIn).map { _ in Float(rng.unit() - 0.5) * 4 }
        let v = (0..<projection.fanIn).map { _ in Float(rng.unit()) * 0.5 + 0.05 }
        let p = ATMNParameters(timesteps: 4, tau: 1)
        var runner = try SpikingRunner(model: model, placement: Placement("mlp.gate_up_proj@1", shape: model.shape),
                                       thresholds: ThresholdSet(values: [site: v], source: "test"), parameters: p, threads: 1)
        var counts = TokenCounts(unitCount: UnitIndex(shape: model.shape).units.count)
        var out = [Float](repeating: 0, count: projection.fanOut)
        runner.beginToken()
        runner.run(projection, input: input, output: &out, tokens: 1, site: site, unit: 0, counts: &counts)
        let decoded = (0..<input.count).map { ATMNNeuron.decoded(input: input[$0], threshold: v[$0], parameters: p) }
        var reference = [Float](repeating: 0, count: projection.fanOut)
        denseProject(&reference, decoded, projection)
        let worst = zip(out, reference).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4)
        #expect(runner.spikes[0].count > 0)
        #expect(counts.counts[0].synapticOps == runner.spikes[0].count * projection.fanOut)
    }

    @Test("placement none reproduces the dense logits bit for bit")
    func placementNoneIsDense() throws {
        let tokens = Array(Self.heldout.prefix(48))
        var settings = try Self.settings(T: 4, placement: "none", tokens: tokens)
        let (spiking, spikingLogits, _) = try Self.run(settings, tokens)
        settings.mode = .dense
        let (_, denseLogits, _) = try Self.run(settings, tokens)
        #expect(spikingLogits == denseLogits)
        #expect(spiking.total.spikes == 0)
        #expect(spiking.klMean == 0)
        #expect(spiking.top1Agreement == 1)
    }

    @Test("with thresholds recalibrated per T, spiking logits approach dense as T grows")
    func convergesWithT() throws {
        let tokens = Array(Self.heldout.prefix(160))
        var kl: [Double] = []
        for T in [1, 2, 4, 8, 16] {
            let (summary, _, _) = try Self.run(try Self.settings(T: T, tokens: tokens), tokens)
            kl.append(summary.klMean)
        }
        print("KL(dense‖spiking) for T = 1, 2, 4, 8, 16: \(kl)")
        for i in 1..<kl.count { #expect(kl[i] < kl[i - 1]) }
        #expect(kl.last! < 0.15)
    }

    @Test("same input → identical logits and spikes at 1 and 2 threads")
    func deterministicAcrossThreads() throws {
        let tokens = Array(Self.heldout.prefix(24))
        var one = try Self.settings(T: 4, tokens: tokens, threads: 1)
        one.minimumParallelWork = 0
        var two = one
        two.threads = 2
        let a = try Self.run(one, tokens), b = try Self.run(two, tokens)
        #expect(a.1 == b.1)
        #expect(a.2 == b.2)
        #expect(a.0.countsPerUnit == b.0.countsPerUnit)
    }
}
