import MarsimCore

/// A line of the energy bill: which counted events it prices and how.
///
/// Every kind except `staticPower` is a sum of `count × price` over counters of `ActivityCounts`,
/// with prices in joules per counted element from `CostTable`; the terms are declared once, in
/// `CostKind.declaration` (CostKindDeclaration.swift), and `CostKind.markdownTable` prints them:
///
/// | kind | formula (joules) |
/// |---|---|
/// | `ac` | `acs × E_ac` |
/// | `mac` | `macs × E_mac` |
/// | `neuronUpdate` | `neuronUpdates × E_neuron_update` |
/// | `spike` | `(spikesPositive + spikesNegative) × E_spike + spikePayloadBits × E_spike_bit` |
/// | `elementwiseAdd` | `elementwiseAdds × E_add` |
/// | `elementwiseMul` | `elementwiseMuls × E_mul` |
/// | `elementwiseNonlinear` | `elementwiseNonlinear × E_nonlinear` |
/// | `weights` | `weightsRead × read(L_w) × weight_bits ÷ width(L_w)` |
/// | `neuronState` | `neuronStateRead × read(L_n) × state_bits ÷ width(L_n) + neuronStateWritten × write(L_n) × state_bits ÷ width(L_n)` |
/// | `recurrentState` | `recurrentStateRead × read(L_r) × recurrent_state_bits ÷ width(L_r) + recurrentStateWritten × write(L_r) × recurrent_state_bits ÷ width(L_r)` |
/// | `staticPower` | `P_static × latency` (see `EnergyModel`) |
///
/// `L_w`, `L_n`, `L_r` are the memory levels the profile places weights, neuron state and recurrent
/// state in; `read`/`write` are energies per access of `width` bits. The per-element memory price is
/// proportional to the element's bits: elements are assumed packed into full-width accesses.
public enum CostKind: String, CaseIterable, Sendable, Codable, Hashable {
    case ac = "ac"
    case mac = "mac"
    case neuronUpdate = "neuron_update"
    case spike = "spike"
    case elementwiseAdd = "elementwise_add"
    case elementwiseMul = "elementwise_mul"
    case elementwiseNonlinear = "elementwise_nonlinear"
    case weights = "memory.weights"
    case neuronState = "memory.neuron_state"
    case recurrentState = "memory.recurrent_state"
    case staticPower = "static"

    /// The kinds priced per counted event, in the order the model sums them.
    public static let dynamicKinds: [CostKind] = allCases.filter { $0 != .staticPower }

    /// Whether this kind is memory traffic (and so has a memory level).
    public var isMemory: Bool { declaration.memoryPlacement != nil }

    /// Joules this kind charges for `counts` under `prices`: Σ counter × price over its declared
    /// terms; 0 for `staticPower`, which depends on latency.
    public func joules(_ counts: ActivityCounts, _ prices: CostTable) -> Double {
        declaration.terms.reduce(0) { $0 + Double(counts[keyPath: $1.counter.field]) * prices[$1.price] }
    }
}
