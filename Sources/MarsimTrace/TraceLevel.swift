/// How much a trace records.
public enum TraceLevel: String, Sendable, CaseIterable, Codable {
    /// Every spike event (SONATA `/spikes`) plus the per-token counters.
    case events
    /// Only the per-token counters: enough for the energy model, much smaller.
    case counts
}
