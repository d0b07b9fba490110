import MarsimCore

// Binary integrate-and-fire, MAR's ablation baseline (docs/DESIGN.md §2a):
//
//   h_t = I·[t == 0] + u_{t−1} / tau        u_{−1} = 0,  t = 0 … T−1
//   s_t = 1 if h_t ≥ V ; 0 otherwise        (unsigned: a negative input never fires)
//   u_t = h_t − s_t·V                       (reset by subtraction)
//
// ATMN without the negative threshold: the projection sees Σ_t s_t·V ≈ max(0, I) (capped at T·V).

/// Unsigned {0, 1} spikes with reset by subtraction (registry name `binary`).
public struct BinaryNeuron: SteppedNeuronModel {
    public static let name = "binary"
    public static let summary = "binary IF (MAR's ablation baseline): input once at t = 0, spikes in {0, 1}, negative inputs never fire"
    public let parameters: NeuronParameters
    /// A binary event is its own message: no payload bits.
    public var payloadBits: Int { 0 }
    public var maxPayload: Int { 1 }

    public init(parameters: NeuronParameters) { self.parameters = parameters }

    /// One tick of one neuron (the equations above).
    @inline(__always)
    public func step(_ u: inout Float, _ t: Int, _ input: Float, _ v: Float) -> Int8 {
        let h = t == 0 ? input : (parameters.tau == 1 ? u : u / parameters.tau)
        let s: Int8 = h >= v ? 1 : 0
        u = h - Float(s) * v
        return s
    }
}
