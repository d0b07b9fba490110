import MarsimTestSupport
import MarsimCore
@testable import MarsimEngine
import Testing

/// An independent reference for every neuron model, written from the equations in docs/DESIGN.md
/// §2a without the engine's code: plain loops over one neuron (for graded spikes, the payload is
/// found by counting up rather than by dividing).
enum ReferenceNeuron {
    static func train(_ p: NeuronParameters, input: Float, threshold v: Float) -> [Int8] {
        var u: Float = 0
        var out: [Int8] = []
        for t in 0..<p.timesteps {
            let leaked = p.tau == 1 ? u : u / p.tau
            switch p.model {
            case "atmn", "binary":
                let h = t == 0 ? input : leaked
                var s: Int8 = 0
                if h >= v { s = 1 } else if p.model == "atmn" && h <= -v { s = -1 }
                u = h - Float(s) * v
                out.append(s)
            case "lif":
                let h = leaked + input / Float(p.timesteps)
                var s: Int8 = 0
                if h >= v { s = 1 } else if h <= -v { s = -1 }
                if s != 0 { u = p.reset == .zero ? 0 : h - Float(s) * v } else { u = h }
                out.append(s)
            case "graded":
                let h = t == 0 ? input : leaked
                let limit = (1 << (p.spikeBits - 1)) - 1
                var k = 0
                while k < limit && Float(k + 1) * v <= abs(h) { k += 1 }
                let q = Int8(h < 0 ? -k : k)
                u = h - Float(q) * v
                out.append(q)
            default:
                preconditionFailure("no reference for \(p.model)")
            }
        }
        return out
    }
}

@Suite("Neuron models")
struct NeuronModelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var parameters: NeuronParameters
        var input: Float, threshold: Float
        var train: [Int8]
        var testDescription: String {
            "\(parameters.model) I=\(input) V=\(threshold) T=\(parameters.timesteps) tau=\(parameters.tau) "
                + "reset=\(parameters.reset) b=\(parameters.spikeBits)"
        }
    }

    static func p(_ model: String, T: Int, tau: Float = 1, reset: NeuronReset = .subtract, bits: Int = 4) -> NeuronParameters {
        NeuronParameters(model: model, timesteps: T, tau: tau, reset: reset, spikeBits: bits)
    }

    /// Worked by hand from the equations (all values exact binary fractions).
    static let cases: [Case] = [
        // binary, V = 1: t0 h=2.5 → 1, u=1.5; t1 h=1.5 → 1, u=0.5; then 0.5 < V.
        Case(parameters: p("binary", T: 4), input: 2.5, threshold: 1, train: [1, 1, 0, 0]),
        // binary never fires for a negative input: the membrane stays at −3.
        Case(parameters: p("binary", T: 4), input: -3, threshold: 1, train: [0, 0, 0, 0]),
        // binary with leak: t0 h=3 → 1, u=2; t1 h=2/2=1 → 1, u=0; t2 h=0.
        Case(parameters: p("binary", T: 3, tau: 2), input: 3, threshold: 1, train: [1, 1, 0]),
        // lif, current 2.5/4 = 0.625: h = 0.625 (0), 1.25 (+1, u=0.25), 0.875 (0), 1.5 (+1).
        Case(parameters: p("lif", T: 4), input: 2.5, threshold: 1, train: [0, 1, 0, 1]),
        // lif, current 0.875, reset subtract: 0.875 (0), 1.75 (+1, u=.75), 1.625 (+1, u=.625), 1.5 (+1).
        Case(parameters: p("lif", T: 4), input: 3.5, threshold: 1, train: [0, 1, 1, 1]),
        // the same with reset to zero: 0.875 (0), 1.75 (+1, u=0), 0.875 (0), 1.75 (+1): the residue is lost.
        Case(parameters: p("lif", T: 4, reset: .zero), input: 3.5, threshold: 1, train: [0, 1, 0, 1]),
        // lif with leak tau=2, current 0.75: .75 (0), .375+.75=1.125 (+1, u=.125), .0625+.75=.8125 (0), .40625+.75=1.15625 (+1).
        Case(parameters: p("lif", T: 4, tau: 2), input: 3, threshold: 1, train: [0, 1, 0, 1]),
        // lif is signed: current −1 reaches −V at every tick.
        Case(parameters: p("lif", T: 2), input: -2, threshold: 1, train: [-1, -1]),
        // graded b=4 (M=7), V=0.5: t0 |h|=2.5 → q=5, u=0; t1 nothing left.
        Case(parameters: p("graded", T: 2), input: 2.5, threshold: 0.5, train: [5, 0]),
        // graded saturates per tick at M: t0 −5 → −7 (u=−1.5); t1 −1.5 → −3 (u=0).
        Case(parameters: p("graded", T: 2), input: -5, threshold: 0.5, train: [-7, -3]),
        // b=3 (M=3), V=1, I=10: 3, 3, 3 and a residue of 1 left unsent (T·M·V = 9).
        Case(parameters: p("graded", T: 3, bits: 3), input: 10, threshold: 1, train: [3, 3, 3]),
        // b=2 is ternary: ATMN's spikes for I=2.5, V=1.
        Case(parameters: p("graded", T: 4, bits: 2), input: 2.5, threshold: 1, train: [1, 1, 0, 0]),
    ]

    @Test("hand-worked payload trains", arguments: cases)
    func handWorked(_ c: Case) throws {
        let model = try NeuronRegistry.make(c.parameters)
        #expect(model.payloadTrain(input: c.input, threshold: c.threshold) == c.train)
        #expect(ReferenceNeuron.train(c.parameters, input: c.input, threshold: c.threshold) == c.train)
        #expect(model.decoded(input: c.input, threshold: c.threshold) == Float(c.train.reduce(0) { $0 + Int($1) }) * c.threshold)
    }

    static let sweeps: [NeuronParameters] = [
        p("atmn", T: 4), p("atmn", T: 3, tau: 1.5),
        p("binary", T: 1), p("binary", T: 4), p("binary", T: 5, tau: 2),
        p("lif", T: 1), p("lif", T: 4), p("lif", T: 8, tau: 1.5), p("lif", T: 4, reset: .zero), p("lif", T: 6, tau: 3, reset: .zero),
        p("graded", T: 1, bits: 8), p("graded", T: 2, bits: 2), p("graded", T: 4, bits: 4), p("graded", T: 3, tau: 2, bits: 5),
    ]

    @Test("the vectorised encoder emits exactly the reference neurons' events, in tick order", arguments: sweeps)
    func encoderMatchesReference(_ parameters: NeuronParameters) throws {
        let model = try NeuronRegistry.make(parameters)
        var rng = SplitMix64(seed: 23)
        let n = 211
        // Inputs on a grid of V's multiples as well as random ones, so exact-threshold ties are covered.
        let v = (0..<n).map { _ in Float(rng.unit()) + 0.05 }
        let input = (0..<n).map { i in i % 5 == 0 ? Float(Int(rng.next() % 17) - 8) * v[i] : (Float(rng.unit()) - 0.5) * 12 }
        var events = SiteSpikes(site: 0)
        var membrane = [Float](repeating: .nan, count: n)  // garbage on entry must not matter
        model.encode(events: &events, membrane: &membrane, input: input, thresholds: v, count: n)
        let trains = (0..<n).map { ReferenceNeuron.train(parameters, input: input[$0], threshold: v[$0]) }
        var expected: [(UInt8, UInt32, Int8)] = []
        for t in 0..<parameters.timesteps { for i in 0..<n where trains[i][t] != 0 { expected.append((UInt8(t), UInt32(i), trains[i][t])) } }
        #expect(events.count == expected.count)
        #expect(events.ticks == expected.map(\.0))
        #expect(events.channels == expected.map(\.1))
        #expect(events.polarity == expected.map(\.2))
        #expect(!expected.isEmpty, "the sweep must produce events to compare")
        #expect(events.polarity.allSatisfy { $0 != 0 && Int($0.magnitude) <= model.maxPayload })
        // payloadTrain is the per-neuron view of the same dynamics.
        for i in 0..<n { #expect(model.payloadTrain(input: input[i], threshold: v[i]) == trains[i]) }
    }

    @Test("graded spikes with b = 2 are ATMN, event for event")
    func gradedTwoBitsIsATMN() throws {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<3000 {
            let T = Int(rng.next() % 6) + 1, tau: Float = rng.next() % 2 == 0 ? 1 : 1.5
            let v = Float(rng.unit()) + 0.01
            let input = rng.next() % 4 == 0 ? Float(Int(rng.next() % 9) - 4) * v : (Float(rng.unit()) - 0.5) * 10
            let graded = try NeuronRegistry.make(NeuronParameters(model: "graded", timesteps: T, tau: tau, spikeBits: 2))
            #expect(graded.payloadTrain(input: input, threshold: v)
                == ATMNNeuron.spikeTrain(input: input, threshold: v, parameters: ATMNParameters(timesteps: T, tau: tau)))
        }
    }

    @Test("what each model reconstructs without leak: ATMN ±T·V, binary only I ≥ 0, graded ±T·M·V, lif ±T·V")
    func reconstruction() throws {
        var rng = SplitMix64(seed: 9)
        for _ in 0..<2000 {
            let T = Int(rng.next() % 6) + 1, v = Float(rng.unit()) + 0.05
            let input = (Float(rng.unit()) - 0.5) * 40
            for (model, span) in [("atmn", Float(T)), ("binary", Float(T)), ("lif", Float(T)), ("graded", Float(T * 7))] {
                let neuron = try NeuronRegistry.make(Self.p(model, T: T, bits: 4))
                let decoded = neuron.decoded(input: input, threshold: v)
                let target = model == "binary" ? max(0, input) : input
                if abs(target) < span * v * 0.999 {
                    // lif's last partial current arrives at the last tick, so its residue is below V too.
                    #expect(abs(target - decoded) < v * 1.001, "\(model) T=\(T) V=\(v) I=\(input) → \(decoded)")
                } else {
                    #expect(abs(decoded) <= span * v * 1.0001)
                }
            }
        }
    }

    /// NeuroBench's MembraneUpdates per token, worked by hand (V = 1): every neuron at tick 0, then
    /// the neurons whose membrane after a tick differs from before it.
    static let membraneCases: [(NeuronParameters, [Float], Int)] = [
        // atmn, tau 1: 2.5 → u 1.5, 0.5, 0.5, 0.5 (changes at t 1 only, where it fires); 0.5 → u 0.5 throughout.
        (p("atmn", T: 4), [Float(2.5), 0.5], 1 + 1 + 1),
        // atmn, tau 2: 2.5 → u 1.5, 0.75, 0.375 (the leak changes it every tick); 0 stays 0.
        (p("atmn", T: 3, tau: 2), [2.5, 0], 1 + 2 + 1),
        // lif, subtract: 3.5 → u 0.875, 0.75, 0.625, 0.5 (changes every tick); 0 stays 0.
        (p("lif", T: 4), [3.5, 0], 1 + 3 + 1),
        // lif, reset to zero: 1.5 → current 0.5: u 0.5, then h 1.0 fires → 0, then 0.5 (changes twice).
        (p("lif", T: 3, reset: .zero), [1.5], 1 + 2),
        // binary: −3 never fires, u stays −3; 3 → u 2, 1, 0 (fires every tick).
        (p("binary", T: 3), [-3, 3], 1 + 1 + 2),
    ]

    @Test("encode returns NeuroBench's membrane updates, hand-checked per model", arguments: membraneCases)
    func membraneUpdates(_ parameters: NeuronParameters, _ input: [Float], _ expected: Int) throws {
        let model = try NeuronRegistry.make(parameters)
        var events = SiteSpikes(site: 0)
        var membrane = [Float](repeating: .nan, count: input.count)
        let v = [Float](repeating: 1, count: input.count)
        #expect(model.encode(events: &events, membrane: &membrane, input: input, thresholds: v, count: input.count) == expected)
    }

    @Test("counts per token: spikes by sign, payload bits = events × bits per event")
    func counts() throws {
        let events = SiteSpikes(site: 0, channels: [0, 3, 5], ticks: [0, 0, 1], polarity: [5, -7, 2])
        let graded = try NeuronRegistry.make(Self.p("graded", T: 2, bits: 4))
        let c = graded.counts(events: events, fanIn: 8, fanOut: 10, hasBias: true, membraneUpdates: 9)
        #expect(c.spikesPositive == 2 && c.spikesNegative == 1)
        #expect(c.spikePayloadBits == 3 * 4)
        #expect(c.synapticOps == 30)
        #expect(c.neuronUpdates == 16 && c.neuronStateRead == 16 && c.neuronStateWritten == 16)
        #expect(c.weightsRead == 30 + 8 + 10)
        #expect(c.elementwiseAdds == 10)
        #expect(c.membraneUpdates == 9)
        let binary = try NeuronRegistry.make(Self.p("binary", T: 2))
        #expect(binary.counts(events: SiteSpikes(site: 0, channels: [1], ticks: [0], polarity: [1]), fanIn: 4, fanOut: 3,
                              hasBias: false, membraneUpdates: 4).spikePayloadBits == 0)
        #expect(try NeuronRegistry.make(Self.p("atmn", T: 2)).payloadBits == 1)
    }

    @Test("the registry lists the four models, and refuses unknown names and bad payload widths")
    func registry() throws {
        #expect(NeuronRegistry.names == ["atmn", "binary", "lif", "graded"])
        #expect(try NeuronRegistry.make(ATMNParameters(timesteps: 4, tau: 1)) is ATMNModel)
        #expect(throws: NeuronError.self) { try NeuronRegistry.make(Self.p("izhikevich", T: 2)) }
        do {
            _ = try NeuronRegistry.make(Self.p("graded", T: 2, bits: 9))
            Issue.record("9 bits accepted")
        } catch let error as NeuronError {
            #expect(error.description.contains("--spike-bits in 2...8"))
        }
        let record = try NeuronRegistry.make(Self.p("lif", T: 2, reset: .zero)).record
        #expect(record == NeuronRecord(model: "lif", payloadBits: 1, maxPayload: 1, parameters: ["reset": "zero"]))
        #expect(try NeuronRegistry.make(Self.p("graded", T: 2, bits: 5)).record.label == "graded (spike_bits=5)")
    }
}
