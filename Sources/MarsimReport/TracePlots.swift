import Foundation
import MarsimCore
import MarsimPlot
import MarsimTrace

/// The pictures `marsim trace --plot` draws.
public enum TracePlots {
    /// A spike raster of the first `tokens` tokens: every spiking site's neurons stacked as row groups
    /// in schedule order, + and − spikes in two colours, a dashed line where each token starts.
    ///
    /// The x axis counts each site's own ticks — token k's tick t is at k·T + t for every site — so
    /// the sites' columns line up and the raster is not mostly empty: in the trace's time line site s
    /// of token k ticks at ((k·S + s)·T + t) × the tick period, and only one site is active at a time.
    /// The caption says so. The reader has checked every event, so the arithmetic cannot overflow.
    public static func raster(reader: TraceReader, tokens: Int) throws -> SVGDocument {
        let shown = 0..<min(tokens, reader.tokensWritten)
        let metadata = reader.metadata
        let T = metadata.schedule.timesteps
        var groups: [SpikeRaster.RowGroup] = []
        var offsets: [Int] = []
        var rows = 0
        for (site, name) in metadata.spikingSites.map(\.name).enumerated() {
            let neurons = metadata.thresholds[site].count
            groups.append(SpikeRaster.RowGroup(name: name, rows: rows..<(rows + neurons)))
            offsets.append(rows)
            rows += neurons
        }
        var events: [SpikeRaster.Event] = []
        for k in shown {
            for site in try reader.spikes(token: k) where site.site < offsets.count {
                let neurons = metadata.thresholds[site.site].count
                for e in 0..<site.count {
                    guard Int(site.channels[e]) < neurons else {
                        throw CLIError("\(reader.path): \(groups[site.site].name) has an event of neuron \(site.channels[e]), but the site lists \(neurons) neurons")
                    }
                    events.append(SpikeRaster.Event(timeMs: Double(k * T + Int(site.ticks[e])) + 0.5,
                                                    row: offsets[site.site] + Int(site.channels[e]), polarity: site.polarity[e]))
                }
            }
        }
        let ids = try reader.tokenIDs()
        let boundaries = shown.map { k in
            SpikeRaster.Boundary(timeMs: Double(k * T), label: tokenLabel(ids[k], vocabulary: metadata.checkpoint.shape.vocabSize))
        }
        let window = 0...Double(max(1, shown.count * T))
        let checkpoint = (metadata.checkpoint.path as NSString).lastPathComponent
        let caption = "marsim \(metadata.marsimVersion) · \(checkpoint) (hash \(metadata.checkpoint.contentHash.prefix(8))) · "
            + "tokens \(shown.lowerBound)–\(max(shown.lowerBound, shown.upperBound - 1)) of \(reader.tokensWritten) · T = \(T), placement \(metadata.placement) · "
            + "thresholds: \(metadata.thresholdSource) · x: each site's own ticks; in the trace site s of token k ticks at "
            + "((k·\(metadata.schedule.sitesPerToken) + s)·\(T) + t) × \(ValueFormat.compact(metadata.schedule.tickPeriodMs)) ms"
        return SpikeRaster(title: "Spikes of \(shown.count) token\(shown.count == 1 ? "" : "s") (T = \(T), \(groups.count) sites)",
                           xLabel: "tick (T = \(T) per token and site)", events: events, rowCount: max(rows, 1), groups: groups,
                           timeRangeMs: window, dotSize: 2, width: 900, height: 640, boundaries: boundaries,
                           caption: caption).render()
    }

    /// A token as a short label: a byte-level model's byte as a quoted character (whitespace made
    /// visible), else its id.
    public static func tokenLabel(_ id: Int, vocabulary: Int) -> String {
        guard vocabulary <= 256, let scalar = Unicode.Scalar(id) else { return "#\(id)" }
        switch id {
        case 32: return "'␣'"
        case 10: return "'↵'"
        case 9: return "'⇥'"
        case 33...126: return "'\(Character(scalar))'"
        default: return String(format: "0x%02X", id)
        }
    }

    /// Firing rate per spiking site.
    public static func firingRates(_ summary: TraceSummary) -> SVGDocument {
        HorizontalBarChart(title: "Firing rate per site (spikes ÷ neuron updates)", xLabel: "firing rate (%)",
                           bars: summary.sites.map { .init(label: $0.name, value: $0.firingRate.flatMap { $0.isFinite ? $0 : nil } ?? 0) },
                           valueStyle: .percent).render()
    }
}
