/// One counter of `ActivityCounts`: declared here once, with its name (trace dataset `counts/<name>`,
/// JSON key, CSV column), what it counts and in what unit.
///
/// Adding a counter: a stored property in `ActivityCounts`, one entry in `Counter.all`, and the
/// engine code that fills it; a cost kind that prices it (`CostKind`), if any. Traces record the
/// counter list they were written with (`counter_fields`), so older traces read with the new
/// counter absent (`Counter.derivedWhenAbsent`, else 0).
public struct Counter: Sendable {
    /// Stable snake_case name.
    public let name: String
    /// What one unit of it is, for docs and `--help`-like listings.
    public let meaning: String
    /// The unit counted: `events`, `ops`, `elements`, `bits` …
    public let unit: String
    /// The `ActivityCounts` field it is stored in.
    public nonisolated(unsafe) let field: WritableKeyPath<ActivityCounts, Int>
    /// The name this counter had before a rename (0.x: `synaptic_ops` → `acs`, `dense_macs` → `macs`):
    /// files that use it still read, and JSON writes it beside the new name for one release
    /// (README "Deprecated names").
    public let formerName: String?

    public init(_ name: String, _ field: WritableKeyPath<ActivityCounts, Int>, unit: String, formerName: String? = nil,
                _ meaning: String) {
        self.name = name
        self.field = field
        self.unit = unit
        self.formerName = formerName
        self.meaning = meaning
    }

    /// Whether `candidate` names this counter, by its name or its former name.
    public func isNamed(_ candidate: String) -> Bool { candidate == name || candidate == formerName }

    /// Every counter, in the order traces, JSON and CSV list them (counting conventions: README "Accounting").
    public static let all: [Counter] = [
        Counter("spikes_positive", \.spikesPositive, unit: "events", "events with a positive payload"),
        Counter("spikes_negative", \.spikesNegative, unit: "events", "events with a negative payload"),
        Counter("acs", \.synapticOps, unit: "ops", formerName: "synaptic_ops",
                "accumulates (ACs) of the spiking sites: one per (event × fan-out)"),
        Counter("neuron_updates", \.neuronUpdates, unit: "ops", "membrane steps: neurons × ticks"),
        Counter("macs", \.denseMACs, unit: "ops", formerName: "dense_macs",
                "multiply-accumulates left in the run (non-spiking projections, conv, scan …)"),
        Counter("elementwise_adds", \.elementwiseAdds, unit: "ops", "element-wise additions (biases, residuals …)"),
        Counter("elementwise_muls", \.elementwiseMuls, unit: "ops", "element-wise multiplications"),
        Counter("elementwise_nonlinear", \.elementwiseNonlinear, unit: "ops", "exp, log, softplus, silu, rsqrt, division"),
        Counter("weights_read", \.weightsRead, unit: "elements",
                "weight elements fetched: a dense projection's whole matrix per token; an event's column (fan-out elements)"),
        Counter("neuron_state_read", \.neuronStateRead, unit: "elements", "membrane values read: one per neuron update"),
        Counter("neuron_state_written", \.neuronStateWritten, unit: "elements", "membrane values written: one per neuron update"),
        Counter("recurrent_state_read", \.recurrentStateRead, unit: "elements", "conv window and SSM state elements read"),
        Counter("recurrent_state_written", \.recurrentStateWritten, unit: "elements", "conv window and SSM state elements written"),
        Counter("spike_payload_bits", \.spikePayloadBits, unit: "bits", "payload bits the events carried (events × bits per event)"),
        Counter("membrane_updates", \.membraneUpdates, unit: "ops",
                "NeuroBench membrane updates: fan-in at tick 0, then the neurons whose membrane changed at each later tick"),
    ]

    /// The counters as a Markdown table (name, unit, meaning): what docs/PROFILES.md shows.
    public static var markdownTable: String {
        (["| counter | unit | counts |", "|---|---|---|"] + all.map { "| `\($0.name)` | \($0.unit) | \($0.meaning) |" })
            .joined(separator: "\n")
    }

    /// The counter named `name`, or nil.
    public static func named(_ name: String) -> Counter? { all.first { $0.isNamed(name) } }

    /// How a counter absent from an older trace is rebuilt from the ones present and the run's
    /// neuron model; counters not listed here read as 0. (`membrane_updates` needs the membranes
    /// themselves: readers report it as unknown for files without it, `TraceReader.stores(counter:)`.)
    public static func derivedWhenAbsent(_ name: String, _ counts: ActivityCounts, _ neuron: NeuronRecord) -> Int? {
        switch name {
        case "spike_payload_bits": return counts.spikes * neuron.payloadBits
        default: return nil
        }
    }
}
