/// Exact operation and traffic counts for one accounting unit over some span (one token, or a run).
///
/// Counts are architecture-level events, independent of any hardware: the energy model multiplies
/// them by a hardware profile's costs. Memory traffic is counted in *elements* (values), not bytes,
/// because the element width is a property of the hardware profile (fp32, int8 …), not of the model.
///
/// Conventions (see README "Accounting"):
/// - `synapticOps`: one accumulate per (spike event × fan-out), i.e. ACs.
/// - `neuronUpdates`: neurons × ticks, one per ATMN membrane step.
/// - `denseMACs`: every multiply-accumulate that stays dense (non-spiking projections, conv, scan …).
/// - `weightsRead`: weight elements fetched: a dense projection reads its whole matrix once per token;
///   an event reads one weight column (fan-out elements).
/// - neuron state: each neuron update reads and writes one membrane value.
/// - recurrent state: conv window and SSM state elements read and written per token.
public struct ActivityCounts: Sendable, Equatable, Hashable, Codable {
    public var spikesPositive: Int = 0
    public var spikesNegative: Int = 0
    public var synapticOps: Int = 0
    public var neuronUpdates: Int = 0
    public var denseMACs: Int = 0
    public var elementwiseAdds: Int = 0
    public var elementwiseMuls: Int = 0
    /// Non-linear element-wise evaluations: exp, log, softplus, silu, rsqrt, division.
    public var elementwiseNonlinear: Int = 0
    public var weightsRead: Int = 0
    public var neuronStateRead: Int = 0
    public var neuronStateWritten: Int = 0
    public var recurrentStateRead: Int = 0
    public var recurrentStateWritten: Int = 0

    public init() {}

    /// All spikes, either polarity.
    public var spikes: Int { spikesPositive + spikesNegative }

    /// The fields in a fixed order, with stable snake_case names (trace datasets and JSON keys use these).
    public static let fieldNames: [String] = [
        "spikes_positive", "spikes_negative", "synaptic_ops", "neuron_updates", "dense_macs",
        "elementwise_adds", "elementwise_muls", "elementwise_nonlinear", "weights_read",
        "neuron_state_read", "neuron_state_written", "recurrent_state_read", "recurrent_state_written",
    ]

    /// The fields as an array in `fieldNames` order.
    public var fields: [Int] {
        [spikesPositive, spikesNegative, synapticOps, neuronUpdates, denseMACs,
         elementwiseAdds, elementwiseMuls, elementwiseNonlinear, weightsRead,
         neuronStateRead, neuronStateWritten, recurrentStateRead, recurrentStateWritten]
    }

    /// Rebuilds counts from an array in `fieldNames` order.
    public init(fields: [Int]) {
        precondition(fields.count == Self.fieldNames.count, "ActivityCounts needs \(Self.fieldNames.count) fields")
        spikesPositive = fields[0]; spikesNegative = fields[1]; synapticOps = fields[2]
        neuronUpdates = fields[3]; denseMACs = fields[4]; elementwiseAdds = fields[5]
        elementwiseMuls = fields[6]; elementwiseNonlinear = fields[7]; weightsRead = fields[8]
        neuronStateRead = fields[9]; neuronStateWritten = fields[10]
        recurrentStateRead = fields[11]; recurrentStateWritten = fields[12]
    }

    public static func + (a: ActivityCounts, b: ActivityCounts) -> ActivityCounts {
        ActivityCounts(fields: zip(a.fields, b.fields).map { $0 + $1 })
    }

    public static func += (a: inout ActivityCounts, b: ActivityCounts) { a = a + b }
}
