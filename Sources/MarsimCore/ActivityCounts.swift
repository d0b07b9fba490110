/// Exact operation and traffic counts for one accounting unit over some span (one token, or a run).
///
/// Counts are architecture-level events, independent of any hardware: the energy model multiplies
/// them by a hardware profile's costs. Memory traffic is counted in *elements* (values), not bytes,
/// because the element width is a property of the hardware profile (fp32, int8 …), not of the model.
///
/// Every counter is declared once, in `Counter.all` (name, meaning, unit, field): the trace's
/// datasets, JSON keys, CSV columns and docs are derived from that table (docs/DESIGN.md "Adding a
/// counter or a cost kind").
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
    /// Payload bits the events carried (events × the neuron model's bits per event).
    public var spikePayloadBits: Int = 0
    /// NeuroBench's `membrane_updates` (one token = one sample): every neuron at tick 0, then at
    /// each later tick the neurons whose membrane after the tick differs from before it.
    public var membraneUpdates: Int = 0

    public init() {}

    /// All spikes, either polarity.
    public var spikes: Int { spikesPositive + spikesNegative }

    /// The counters' stable snake_case names in `Counter.all` order (trace datasets and JSON keys use these).
    public static let fieldNames: [String] = Counter.all.map(\.name)

    /// The fields as an array in `fieldNames` order.
    public var fields: [Int] { Counter.all.map { self[keyPath: $0.field] } }

    /// Rebuilds counts from an array in `fieldNames` order.
    public init(fields: [Int]) {
        precondition(fields.count == Counter.all.count, "ActivityCounts needs \(Counter.all.count) fields")
        for (counter, value) in zip(Counter.all, fields) { self[keyPath: counter.field] = value }
    }

    /// The value of the counter named `name`, or nil for an unknown name.
    public subscript(counter name: String) -> Int? {
        Counter.named(name).map { self[keyPath: $0.field] }
    }

    public static func + (a: ActivityCounts, b: ActivityCounts) -> ActivityCounts {
        var sum = a
        sum += b
        return sum
    }

    public static func += (a: inout ActivityCounts, b: ActivityCounts) {
        for counter in Counter.all { a[keyPath: counter.field] += b[keyPath: counter.field] }
    }

    // Codable through the counter table, so JSON keys are the counters' names.
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for counter in Counter.all {
            let value = try container.decodeIfPresent(Int.self, forKey: Key(stringValue: counter.name))
                ?? counter.formerName.flatMap { try? container.decodeIfPresent(Int.self, forKey: Key(stringValue: $0)) }
            self[keyPath: counter.field] = value ?? 0
        }
    }

    /// Every counter under its name, and a renamed one also under its former name (deprecated, one release).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for counter in Counter.all {
            try container.encode(self[keyPath: counter.field], forKey: Key(stringValue: counter.name))
            if let former = counter.formerName { try container.encode(self[keyPath: counter.field], forKey: Key(stringValue: former)) }
        }
    }
}
