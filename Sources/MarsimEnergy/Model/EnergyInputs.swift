import MarsimCore

/// Everything the energy model reads from a run: counts, not spikes or weights.
///
/// Saving this (it is `Codable`) is enough to re-cost a run under any profile later without
/// re-simulating it; a trace's metadata and per-token counts hold the same values.
public struct EnergyInputs: Sendable, Equatable, Codable {
    /// Counts per token (outer) and accounting unit (inner, in `units` order).
    public var counts: [[ActivityCounts]]
    /// The accounting units, in the order of each token's counts.
    public var units: [AccountingUnit]
    /// Counts of one token of the same model run fully dense, per unit (`units` order).
    public var denseBaseline: [ActivityCounts]
    /// The run's tick schedule; only `ticksPerToken` is used (the profile sets the tick's duration).
    public var schedule: TickSchedule
    /// Tokens in the chunk each token ran in (1 = alone, decode; more = prefill); nil when not recorded.
    public var chunkLengths: [Int]?
    /// Per token and unit, weight reads with every fetch shared by the token's chunk; nil when not recorded.
    public var sharedWeightReads: [[Int]]?

    public init(counts: [[ActivityCounts]], units: [AccountingUnit], denseBaseline: [ActivityCounts],
                schedule: TickSchedule, chunkLengths: [Int]? = nil, sharedWeightReads: [[Int]]? = nil) {
        self.counts = counts
        self.units = units
        self.denseBaseline = denseBaseline
        self.schedule = schedule
        self.chunkLengths = chunkLengths
        self.sharedWeightReads = sharedWeightReads
    }

    /// The inputs of a recorded run: its metadata's units, dense baseline and schedule, and its counts.
    public init(metadata: RunMetadata, counts: [[ActivityCounts]], chunkLengths: [Int]? = nil, sharedWeightReads: [[Int]]? = nil) {
        self.init(counts: counts, units: metadata.units, denseBaseline: metadata.denseBaseline,
                  schedule: metadata.schedule, chunkLengths: chunkLengths, sharedWeightReads: sharedWeightReads)
    }
}
