import MarsimCore
import MarsimEngine

/// What a what-if study reports about one simulated configuration: the figures `results.csv`, the
/// tables and the plots print, kept instead of the whole `SimulationSummary` (per-token fidelity
/// and counts) so a shard can hand them to the merge exactly (`Codable`: JSON numbers round-trip
/// Double bit for bit).
public struct WhatIfSummary: Codable, Equatable {
    public var tokens: Int
    /// Every unit, every token.
    public var total: ActivityCounts
    public var firingRate: Double
    public var klMean: Double
    public var top1Agreement: Double
    public var bitsPerByteDense: Double?
    public var bitsPerByteSpiking: Double?
    /// NeuroBench's workload metrics per token (nil in shard files written before it existed).
    public var neurobench: NeuroBenchMetrics?

    /// - denseBaseline, spikingSites, timesteps: what `NeuroBenchMetrics` needs beside the counts.
    public init(_ s: SimulationSummary, denseBaseline: [ActivityCounts], spikingSites: [AccountingUnit], timesteps: Int) {
        neurobench = NeuroBenchMetrics(units: s.units, totals: s.countsPerUnit, denseBaseline: denseBaseline, tokens: s.tokens,
                                       spikingSites: spikingSites, timesteps: timesteps)
        tokens = s.tokens
        total = s.total
        firingRate = s.firingRate
        klMean = s.klMean
        top1Agreement = s.top1Agreement
        bitsPerByteDense = s.bitsPerByte(spiking: false)
        bitsPerByteSpiking = s.bitsPerByte(spiking: true)
    }

    /// Bits per byte of the dense or spiking model (nil without byte lengths).
    public func bitsPerByte(spiking: Bool) -> Double? { spiking ? bitsPerByteSpiking : bitsPerByteDense }
}
