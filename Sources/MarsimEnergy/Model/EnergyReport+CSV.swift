import Foundation

/// CSV renderings of a report: RFC 4180 style, comma-separated, a header row, `\n` line ends.
///
/// Numbers are written in Swift's shortest round-trip form (`4.6e-12`), so reading them back gives
/// the same doubles.
extension EnergyReport {
    /// The header of `breakdownCSV()`.
    public static let breakdownCSVHeader = "series,unit,layer,unit_kind,cost_kind,memory_level,joules_per_token"

    /// One row per (series, unit, cost kind): `series` is `spiking` (the run) or `dense` (the baseline);
    /// `layer`, `unit_kind` and `memory_level` are empty where they do not apply. With
    /// `includeZeroRows` false, rows of 0 J/token (a unit that never does that kind of work) are left out.
    public func breakdownCSV(includeZeroRows: Bool = true) -> String {
        var lines = [Self.breakdownCSVHeader]
        for (series, entries) in [("spiking", breakdown), ("dense", denseBaselineBreakdown)] {
            for e in entries where includeZeroRows || e.joulesPerToken != 0 {
                lines.append([series, e.unit, e.layer.map(String.init) ?? "", e.unitKind ?? "", e.costKind.rawValue,
                              e.memoryLevel ?? "", "\(e.joulesPerToken)"].map(Self.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row per token: `token,joules,latency_seconds`, then a `mean` row and a `dense` row.
    public func tokenSeriesCSV() -> String {
        var lines = ["token,joules,latency_seconds"]
        for (t, joules) in joulesPerTokenSeries.enumerated() {
            lines.append("\(t),\(joules),\(latencySecondsPerTokenSeries[t])")
        }
        lines.append("mean,\(joulesPerToken),\(latencySecondsPerToken)")
        lines.append("dense,\(denseBaselineJoulesPerToken),\(denseBaselineLatencySecondsPerToken)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Quotes a field when it holds a comma, quote or newline (doubling inner quotes).
    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
