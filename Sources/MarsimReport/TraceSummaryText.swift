import Foundation
import MarsimCore
import MarsimTrace

/// How `marsim trace` prints a `TraceSummary`: as one JSON object or as text tables.
public enum TraceSummaryText {
    /// One JSON object, snake_case keys, sorted; absent values (e.g. rates without updates) are null.
    public static func json(_ summary: TraceSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }

    /// The summary for people: the run, then a table per spiking site and per layer.
    public static func table(_ s: TraceSummary) -> String {
        let run = s.run
        var lines: [String] = []
        let state = s.complete
            ? "complete"
            : s.recoveredFromJournal
            ? "INCOMPLETE (the journal of a run that did not finish; \(s.tokens) tokens in whole records)"
            : "INCOMPLETE (the run stopped early; \(s.tokens) tokens)"
        lines.append("trace      \(s.path): \(state)")
        lines.append("format     \(s.formatVersion.map(String.init).joined(separator: ".")), \(s.level.rawValue) level, "
                     + "written by marsim \(run.marsimVersion)")
        lines.append("checkpoint \(run.checkpointPath) (\(run.architecture), \(run.layers) layers, d_model \(run.dModel), "
                     + "\(run.parameterCount) parameters, hash \(run.contentHash))")
        lines.append("run        \(run.mode)\(run.neuron.runLineSuffix), T = \(run.timesteps), tau = \(format(run.tau)), placement \(run.placement), "
                     + "thresholds \(run.thresholdSource), tick \(format(run.tickPeriodMs)) ms")
        lines.append("time       \(run.startTime) → \(run.endTime ?? "(not finished)")")
        lines.append("tokens     \(s.tokens) (input has \(run.inputTokens))")
        let eventText = s.events.map { "\($0) in \(s.sites.count) populations" } ?? "not recorded (counts level)"
        lines.append("events     \(eventText)")
        lines.append("spikes     \(s.spikes) over \(s.neuronUpdates) neuron updates, firing rate \(rate(s.firingRate))")
        let f = s.fidelity
        if f.tokens > 0 {
            lines.append("fidelity   \(f.tokens) tokens: mean KL \(optional(f.meanKLNats)) nats, top-1 agreement "
                         + "\(f.top1Agreement.map { String(format: "%.1f%%", $0 * 100) } ?? "-"), mean NLL dense "
                         + "\(optional(f.meanDenseNLL)) / spiking \(optional(f.meanSpikingNLL)) nats")
        } else {
            lines.append("fidelity   not recorded")
        }
        if !s.sites.isEmpty {
            lines.append("")
            var rows = [["site", "neurons", "events", "spikes", "negative", "updates", "rate"]]
            rows += s.sites.map { site in
                [site.name, "\(site.neurons)", site.events.map(String.init) ?? "-", "\(site.spikes)", "\(site.spikesNegative)",
                 "\(site.neuronUpdates)", rate(site.firingRate)]
            }
            lines += columns(rows)
            lines.append("")
            var layerRows = [["layer", "sites", "spikes", "updates", "rate"]]
            layerRows += s.layers.map { layer in
                [layer.layer.map { "layer" + ($0 < 10 ? "0" : "") + String($0) } ?? "model", "\(layer.sites)", "\(layer.spikes)",
                 "\(layer.neuronUpdates)", rate(layer.firingRate)]
            }
            lines += columns(layerRows)
        }
        return lines.joined(separator: "\n")
    }

    /// Left-aligns the first column and right-aligns the rest.
    private static func columns(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
    }

    private static func rate(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
    private static func optional(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
    private static func format(_ value: Double) -> String { String(format: "%g", value) }
}
