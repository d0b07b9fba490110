import MarsimCore
import MarsimEngine

/// What a what-if study reports about one simulated configuration: the figures `results.csv`, the
/// tables and the plots print, kept instead of the whole `SimulationSummary` (per-token fidelity
/// and counts) so a shard can hand them to the merge exactly (`Codable`: JSON numbers round-trip
/// Double bit for bit).
struct WhatIfSummary: Codable, Equatable {
    var tokens: Int
    /// Every unit, every token.
    var total: ActivityCounts
    var firingRate: Double
    var klMean: Double
    var top1Agreement: Double
    var bitsPerByteDense: Double?
    var bitsPerByteSpiking: Double?
    /// NeuroBench's workload metrics per token (nil in shard files written before it existed).
    var neurobench: NeuroBenchMetrics?

    /// - denseBaseline, spikingSites, timesteps: what `NeuroBenchMetrics` needs beside the counts.
    init(_ s: SimulationSummary, denseBaseline: [ActivityCounts], spikingSites: [AccountingUnit], timesteps: Int) {
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
    func bitsPerByte(spiking: Bool) -> Double? { spiking ? bitsPerByteSpiking : bitsPerByteDense }
}
