import MarsimTestSupport
import MarsimCore
@testable import MarsimEngine
import Testing

/// ATMN neurons against sequences worked out by hand from DESIGN.md §2.
@Suite("ATMN neuron")
struct ATMNTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var input: Float, threshold: Float, T: Int, tau: Float
        var train: [Int8]
        var testDescription: String { "I=\(input) V=\(threshold) T=\(T) tau=\(tau)" }
    }

    static let cases: [Case] = [
        // t0: h=2.5 ≥ 1 → +1, u=1.5; t1: h=1.5 → +1, u=0.5; t2, t3: h=0.5 → 0.
        Case(input: 2.5, threshold: 1, T: 4, tau: 1, train: [1, 1, 0, 0]),
        // Exactly −V fires (≤ −V), then the membrane is 0.
        Case(input: -1, threshold: 1, T: 4, tau: 1, train: [-1, 0, 0, 0]),
        // Saturation: at most one spike per tick, so I = 10 gives T spikes.
        Case(input: 10, threshold: 1, T: 4, tau: 1, train: [1, 1, 1, 1]),
        // Below threshold: silence.
        Case(input: 0.99, threshold: 1, T: 3, tau: 1, train: [0, 0, 0]),
        // Leak: t0 h=3 → +1, u=2; t1 h=2/2=1 → +1, u=0; t2 h=0 → 0.
        Case(input: 3, threshold: 1, T: 3, tau: 2, train: [1, 1, 0]),
        // Leak drains a sub-threshold residue: t0 h=2.5 → +1, u=1.5; t1 h=0.75 → 0; t2 h=0.375 → 0.
        Case(input: 2.5, threshold: 1, T: 3, tau: 2, train: [1, 0, 0]),
        // Negative with a non-unit threshold: V=0.5, I=−1.2: −1 (u=−0.7), −1 (u=−0.2), 0, 0.
        Case(input: -1.2, threshold: 0.5, T: 4, tau: 1, train: [-1, -1, 0, 0]),
        // T = 1: a single ternary decision.
        Case(input: 0.7, threshold: 0.5, T: 1, tau: 1, train: [1]),
    ]

    @Test("hand-worked spike trains", arguments: cases)
    func handWorked(_ c: Case) {
        let p = ATMNParameters(timesteps: c.T, tau: c.tau)
        let train = ATMNNeuron.spikeTrain(input: c.input, threshold: c.threshold, parameters: p)
        #expect(train == c.train)
        #expect(ATMNNeuron.decoded(input: c.input, threshold: c.threshold, parameters: p)
            == Float(c.train.reduce(0) { $0 + Int($1) }) * c.threshold)
    }

    @Test("spikes are ternary, at most T per token, and reconstruct I within V when unsaturated (tau = 1)")
    func properties() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let T = Int(rng.next() % 8) + 1
            let v = Float(rng.unit()) * 2 + 0.01
            let input = (Float(rng.unit()) - 0.5) * 30
            let p = ATMNParameters(timesteps: T, tau: 1)
            let train = ATMNNeuron.spikeTrain(input: input, threshold: v, parameters: p)
            #expect(train.count == T)
            #expect(train.allSatisfy { $0 >= -1 && $0 <= 1 })
            #expect(Set(train.filter { $0 != 0 }).count <= 1, "one polarity per token without leak")
            let decoded = ATMNNeuron.decoded(input: input, threshold: v, parameters: p)
            if abs(input) < Float(T) * v {
                #expect(abs(input - decoded) < v * 1.0001)
            } else {
                #expect(train.allSatisfy { $0 != 0 }, "saturated: a spike at every tick")
            }
        }
    }

    @Test("the vectorised encoder emits exactly the reference neurons' spikes, in tick order")
    func encoderMatchesReference() {
        var rng = SplitMix64(seed: 11)
        let n = 97
        for (T, tau) in [(1, Float(1)), (4, 1), (8, 1.5), (3, 2)] {
            let input = (0..<n).map { _ in (Float(rng.unit()) - 0.5) * 8 }
            let v = (0..<n).map { _ in Float(rng.unit()) + 0.05 }
            let p = ATMNParameters(timesteps: T, tau: tau)
            var events = SiteSpikes(site: 0)
            var membrane = [Float](repeating: 0, count: n)
            atmnEncode(events: &events, membrane: &membrane, input: input, thresholds: v, count: n, parameters: p)
            var expected: [(UInt8, UInt32, Int8)] = []
            let trains = (0..<n).map { ATMNNeuron.spikeTrain(input: input[$0], threshold: v[$0], parameters: p) }
            for t in 0..<T { for i in 0..<n where trains[i][t] != 0 { expected.append((UInt8(t), UInt32(i), trains[i][t])) } }
            #expect(events.count == expected.count)
            #expect(events.ticks == expected.map(\.0))
            #expect(events.channels == expected.map(\.1))
            #expect(events.polarity == expected.map(\.2))
        }
    }
}
