/// Which neuron model a run used, as its trace records it (format 1.2, `/marsim/neuron`).
///
/// T and tau are recorded beside it in `RunMetadata` (every model has them); this holds what differs
/// between models. Traces of format 1.0/1.1 have none: they were ATMN (`NeuronRecord.atmn`).
public struct NeuronRecord: Sendable, Equatable, Codable {
    /// The registry name: `atmn`, `binary`, `lif`, `graded`.
    public var model: String
    /// Bits of payload each event carries (0: the event itself is the message).
    public var payloadBits: Int
    /// The largest |payload| an event may carry (1 for ternary and binary spikes).
    public var maxPayload: Int
    /// Model-specific parameters beyond T and tau (e.g. `reset` → `zero`, `spike_bits` → `4`).
    public var parameters: [String: String]

    public init(model: String, payloadBits: Int, maxPayload: Int, parameters: [String: String] = [:]) {
        self.model = model
        self.payloadBits = payloadBits
        self.maxPayload = maxPayload
        self.parameters = parameters
    }

    /// What a trace without a neuron record ran: ATMN (ternary events, one sign bit each).
    public static let atmn = NeuronRecord(model: "atmn", payloadBits: 1, maxPayload: 1)

    /// The parameters as `name=value` text, sorted by name (the trace's `/marsim/neuron/parameters`).
    public var parameterLines: [String] { parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" } }

    /// What run summaries append after the mode: `, neuron lif (reset=zero)`, or nothing for ATMN
    /// (so ATMN runs print as they did before neuron models were a choice).
    public var runLineSuffix: String { model == NeuronRecord.atmn.model ? "" : ", neuron \(label)" }

    /// One line for reports: `graded (spike_bits=4)`, or the bare name.
    public var label: String { parameters.isEmpty ? model : "\(model) (\(parameterLines.joined(separator: ", ")))" }
}
