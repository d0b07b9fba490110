import MarsimCore

// Leaky integrate-and-fire with a constant input current (docs/DESIGN.md §2a):
//
//   h_t = u_{t−1} / tau + I / T              u_{−1} = 0,  t = 0 … T−1
//   s_t = +1 if h_t ≥ V ; −1 if h_t ≤ −V ; 0 otherwise
//   u_t = h_t − s_t·V   (reset subtract)   or   u_t = 0 if s_t ≠ 0, else h_t   (reset zero)
//
// The input charge I is spread evenly over the T ticks (current I/T at every tick), so a threshold
// means what it means for ATMN: without leak and with reset by subtraction, Σ_t s_t·V tracks I to
// within V up to T·V. Spikes are signed (symmetric thresholds) so that `lif` differs from `atmn` only
// in when the input arrives, the leak acting on it, and the reset.

/// Leaky integrate-and-fire, input at every tick (registry name `lif`).
public struct LIFNeuron: SteppedNeuronModel {
    public static let name = "lif"
    public static let summary = "leaky IF: current I/T at every tick, membrane ÷ tau per tick, spikes in {−1, 0, +1}, --reset subtract|zero"
    public let parameters: NeuronParameters
    public var payloadBits: Int { 1 }
    public var maxPayload: Int { 1 }
    public var recordedParameters: [String: String] { ["reset": parameters.reset.rawValue] }

    public init(parameters: NeuronParameters) { self.parameters = parameters }

    /// One tick of one neuron (the equations above).
    @inline(__always)
    public func step(_ u: inout Float, _ t: Int, _ input: Float, _ v: Float) -> Int8 {
        let tau = parameters.tau
        let h = (tau == 1 ? u : u / tau) + input / Float(parameters.timesteps)
        let s: Int8 = h >= v ? 1 : (h <= -v ? -1 : 0)
        switch parameters.reset {
        case .subtract: u = h - Float(s) * v
        case .zero: u = s == 0 ? h : 0
        }
        return s
    }
}
