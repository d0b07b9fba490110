import MarsimCore

// Graded spikes, Loihi 2 style (docs/DESIGN.md §2a): at most one event per neuron per tick, carrying
// a signed integer payload of b bits (two's complement, |q| ≤ M = 2^(b−1) − 1):
//
//   h_t = I·[t == 0] + u_{t−1} / tau        u_{−1} = 0,  t = 0 … T−1
//   q_t = sign(h_t)·min(M, k)  with k the largest integer such that k·V ≤ |h_t| (in float)
//   u_t = h_t − q_t·V                       (reset by subtraction; an event iff q_t ≠ 0)
//
// ATMN is the case b = 2 (M = 1), event for event. A neuron reaches T·M·V instead of T·V: T ticks
// × b bits trade ticks for payload.

/// Graded spikes with a `--spike-bits b` payload (registry name `graded`).
public struct GradedNeuron: SteppedNeuronModel {
    public static let name = "graded"
    public static let summary = "graded spikes (Loihi 2): input once at t = 0, one event per tick with a signed --spike-bits b payload"
    /// b when none is given: payloads up to ±7.
    public static let defaultSpikeBits = 4
    /// Payloads are stored as Int8, so b ≤ 8; b = 2 is ternary.
    public static let spikeBitsRange = 2...8
    public let parameters: NeuronParameters
    public var payloadBits: Int { parameters.spikeBits }
    /// M = 2^(b−1) − 1.
    public var maxPayload: Int { (1 << (parameters.spikeBits - 1)) - 1 }
    public var recordedParameters: [String: String] { ["spike_bits": String(parameters.spikeBits)] }

    public init(parameters: NeuronParameters) throws {
        guard Self.spikeBitsRange.contains(parameters.spikeBits) else {
            throw NeuronError("graded spikes need --spike-bits in \(Self.spikeBitsRange.lowerBound)...\(Self.spikeBitsRange.upperBound) "
                              + "(a signed payload stored in 8 bits), not \(parameters.spikeBits)")
        }
        self.parameters = parameters
    }

    /// One tick of one neuron (the equations above). k starts from ⌊|h|/V⌋ (the rounded quotient)
    /// and is corrected by one step either way so that it is exactly the largest k ≤ M with
    /// Float(k)·V ≤ |h|: k = 1 exactly when |h| ≥ V, as in ATMN. NaN gives 0.
    @inline(__always)
    public func step(_ u: inout Float, _ t: Int, _ input: Float, _ v: Float) -> Int8 {
        let tau = parameters.tau
        let h = t == 0 ? input : (tau == 1 ? u : u / tau)
        let a = abs(h), m = maxPayload
        let r = a / v
        var k = r >= Float(m) ? m : (r >= 1 ? Int(r) : 0)
        if k > 0 && Float(k) * v > a { k -= 1 } else if k < m && r >= 1 && Float(k + 1) * v <= a { k += 1 }
        let q = Int8(truncatingIfNeeded: h < 0 ? -k : k)
        u = h - Float(q) * v
        return q
    }
}
