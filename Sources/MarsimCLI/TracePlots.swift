import Foundation
import MarsimCore
import MarsimPlot
import MarsimTrace

/// The pictures `marsim trace --plot` draws.
enum TracePlots {
    /// A spike raster of the first `tokens` tokens: every spiking site's neurons stacked as row groups
    /// in schedule order, + and − spikes in two colours. The reader has checked every event (node id
    /// below the site's neurons, finite non-negative timestamp) and every position, so the arithmetic
    /// below cannot overflow.
    static func raster(reader: TraceReader, tokens: Int) throws -> SVGDocument {
        let shown = 0..<min(tokens, reader.tokensWritten)
        let schedule = reader.metadata.schedule
        var events: [SpikeRaster.Event] = []
        var groups: [SpikeRaster.RowGroup] = []
        var offset = 0
        for (site, name) in reader.metadata.spikingSites.map(\.name).enumerated() {
            let neurons = reader.metadata.thresholds[site].count
            let e = try reader.events(population: name, tokens: shown)
            for k in 0..<e.count {
                guard let node = Int(exactly: e.nodeIDs[k]), node < neurons else {
                    throw CLIError("\(reader.path): \(name) has an event of neuron \(e.nodeIDs[k]), but the site lists \(neurons) neurons")
                }
                events.append(SpikeRaster.Event(timeMs: e.timestampsMs[k], row: offset + node, polarity: e.polarity[k]))
            }
            groups.append(SpikeRaster.RowGroup(name: name, rows: offset..<(offset + neurons)))
            offset += neurons
        }
        var range = 0...schedule.tickPeriodMs
        if !shown.isEmpty {
            let positions = try reader.positions()
            let first = Double(schedule.globalTick(token: positions[shown.lowerBound], site: 0, tick: 0)) * schedule.tickPeriodMs
            let end = Double(schedule.globalTick(token: positions[shown.upperBound - 1] + 1, site: 0, tick: 0)) * schedule.tickPeriodMs
            if first.isFinite, end.isFinite, end > first { range = first...end }
        }
        return SpikeRaster(title: "Spikes of \(shown.count) token\(shown.count == 1 ? "" : "s") (T = \(schedule.timesteps), \(groups.count) sites)",
                           events: events, rowCount: max(offset, 1), groups: groups,
                           timeRangeMs: range, dotSize: 1.6, width: 900, height: 640).render()
    }

    /// Firing rate per spiking site.
    static func firingRates(_ summary: TraceSummary) -> SVGDocument {
        HorizontalBarChart(title: "Firing rate per site (spikes ÷ neuron updates)", xLabel: "firing rate (%)",
                           bars: summary.sites.map { .init(label: $0.name, value: $0.firingRate.flatMap { $0.isFinite ? $0 : nil } ?? 0) },
                           valueStyle: .percent).render()
    }
}
