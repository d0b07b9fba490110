import Foundation
import MarsimCore
import MarsimPlot
import MarsimTrace

/// The pictures `marsim trace --plot` draws.
enum TracePlots {
    /// A spike raster of the first `tokens` tokens: every spiking site's neurons stacked as row groups
    /// in schedule order, + and − spikes in two colours.
    static func raster(reader: TraceReader, tokens: Int) throws -> SVGDocument {
        let shown = 0..<min(tokens, reader.tokensWritten)
        var events: [SpikeRaster.Event] = []
        var groups: [SpikeRaster.RowGroup] = []
        var offset = 0
        for (site, name) in reader.metadata.spikingSites.map(\.name).enumerated() {
            let neurons = reader.metadata.thresholds[site].count
            let e = try reader.events(population: name, tokens: shown)
            for k in 0..<e.count {
                events.append(SpikeRaster.Event(timeMs: e.timestampsMs[k], row: offset + Int(e.nodeIDs[k]), polarity: e.polarity[k]))
            }
            groups.append(SpikeRaster.RowGroup(name: name, rows: offset..<(offset + neurons)))
            offset += neurons
        }
        let schedule = reader.metadata.schedule
        let end = Double(shown.count * schedule.ticksPerToken) * schedule.tickPeriodMs
        return SpikeRaster(title: "Spikes of \(shown.count) token\(shown.count == 1 ? "" : "s") (T = \(schedule.timesteps), \(groups.count) sites)",
                           events: events, rowCount: max(offset, 1), groups: groups,
                           timeRangeMs: 0...max(end, schedule.tickPeriodMs), dotSize: 1.6, width: 900, height: 640).render()
    }

    /// Firing rate per spiking site.
    static func firingRates(_ summary: TraceSummary) -> SVGDocument {
        HorizontalBarChart(title: "Firing rate per site (spikes ÷ neuron updates)", xLabel: "firing rate (%)",
                           bars: summary.sites.map { .init(label: $0.name, value: $0.firingRate ?? 0) },
                           valueStyle: .percent).render()
    }
}
