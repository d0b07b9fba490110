import Foundation
import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import MarsimTestSupport
import Testing

/// Every neuron model through the runner's fast paths: a projection's output equals the one computed
/// from the reference neurons' decoded inputs, by both deliveries; chunked runs equal token-by-token
/// runs event for event.
@Suite("Neuron models in the runner")
struct NeuronRunTests {
    static let models = [
        NeuronParameters(model: "atmn", timesteps: 4, tau: 1), NeuronParameters(model: "binary", timesteps: 4, tau: 1),
        NeuronParameters(model: "lif", timesteps: 4, tau: 1.5, reset: .zero), NeuronParameters(model: "graded", timesteps: 3, tau: 1, spikeBits: 4),
    ]

    @Test("a site's output is bias + Σ_i W[:, i]·Σ_t q_t·V_i of the reference neurons, by events and by GEMM", arguments: models)
    func projectionMatchesReference(_ parameters: NeuronParameters) throws {
        let model = try Checkpoint.load(FixturePaths.tinyLlambaBytes).model
        let site = AccountingUnit(layer: 1, kind: .mixerOutProj)
        let projection = model.projection(at: site)!.columnMajor()
        let place = try Placement("mixer.out_proj@1", shape: model.shape)
        let fanIn = projection.fanIn, fanOut = projection.fanOut, n = 5
        var rng = SplitMix64(seed: 41)
        let input = (0..<(n * fanIn)).map { _ in Float(rng.unit() - 0.5) * 3 }
        let v = (0..<fanIn).map { _ in Float(rng.unit()) * 0.3 + 0.05 }
        let w = projection.storage.f32  // column-major: W[o, i] = w[i · fanOut + o]
        // Reference: decoded inputs from the test's own neurons, then a plain double-precision product.
        var expected = [Double](repeating: 0, count: n * fanOut)
        var maxMagnitude = 0.0
        for t in 0..<n {
            let decoded = (0..<fanIn).map { i in
                Double(ReferenceNeuron.train(parameters, input: input[t * fanIn + i], threshold: v[i]).reduce(0) { $0 + Int($1) })
                    * Double(v[i])
            }
            for o in 0..<fanOut {
                var sum = Double(projection.bias?[o] ?? 0), magnitude = 0.0
                for i in 0..<fanIn {
                    sum += Double(w[i * fanOut + o]) * decoded[i]
                    magnitude += abs(Double(w[i * fanOut + o]) * decoded[i])
                }
                expected[t * fanOut + o] = sum
                maxMagnitude = max(maxMagnitude, magnitude)
            }
        }
        for delivery in [EventDelivery.events, .gemm, .sparse] {
            var runner = try SpikingRunner(model: model.replacing(site, with: projection), placement: place,
                                           thresholds: ThresholdSet(values: [site: v], source: "test"), parameters: parameters, threads: 1)
            runner.delivery = delivery
            runner.beginChunk(tokens: n)
            var counts = [TokenCounts](repeating: TokenCounts(unitCount: 1), count: n)
            var out = [Float](repeating: 0, count: n * fanOut)
            counts.withUnsafeMutableBufferPointer { c in
                runner.run(projection, input: input, output: &out, tokens: n, site: site, unit: 0, counts: c.baseAddress!)
            }
            let worst = zip(out, expected).map { abs(Double($0) - $1) }.max()!
            // fp32 summation of fanIn terms: each rounding ≤ 2^-24 of a partial sum ≤ Σ|terms|.
            let bound = Double(fanIn) * maxMagnitude * 0x1p-23
            #expect(worst <= bound, "\(parameters.model) \(delivery): max |Δ| \(worst), bound \(bound)")
            let events = (0..<n).map { runner.chunkSpikes[$0][0].count }.reduce(0, +)
            #expect(events > 0)
            #expect(counts.map { $0.counts[0].synapticOps }.reduce(0, +) == events * fanOut)
        }
    }

    @Test("chunked = token by token with event delivery, every event bit for bit", arguments: ["binary", "lif", "graded"])
    func chunkedEqualsDecode(_ neuron: String) throws {
        let model = try Checkpoint.load(FixturePaths.tinyLlambaBytes).model
        let tokens = Array(ChunkTests.heldout.prefix(40))
        let one = try ChunkTests.spiking(model, tokens, chunk: 1, delivery: .events, neuron: neuron)
        let chunked = try ChunkTests.spiking(model, tokens, chunk: 16, delivery: .events, neuron: neuron)
        #expect(one.events == chunked.events)
        #expect(one.counts == chunked.counts)
        #expect(one.events.joined().reduce(0) { $0 + $1.count } > 1_000)
    }
}

