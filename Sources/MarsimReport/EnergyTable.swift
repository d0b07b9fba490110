import Foundation
import MarsimCore
import MarsimEnergy
import MarsimTrace

/// `marsim energy`'s human-readable tables (and the SI formatting what-if tables share).
public enum EnergyTable {
    /// Joules with an SI prefix: 3.21 µJ.
    public static func joules(_ j: Double) -> String { si(j, unit: "J") }
    /// Seconds with an SI prefix.
    public static func seconds(_ s: Double) -> String { si(s, unit: "s") }
    /// A firing rate as a percentage; nil prints "never" (no break-even: spiking never pays) when
    /// `never`, else "n/a" (no spiking sites).
    public static func rate(_ r: Double?, never: Bool = false) -> String {
        guard let r else { return never ? "never" : "n/a" }
        return String(format: "%.3g%%", 100 * r)
    }

    /// `v` with an SI prefix and `unit`, 3 significant digits.
    public static func si(_ v: Double, unit: String) -> String {
        guard v.isFinite else { return "\(v) \(unit)" }  // not reached: EnergyModel refuses non-finite results
        guard v != 0 else { return "0 \(unit)" }
        let prefixes: [(Double, String)] = [(1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f")]
        for (scale, p) in prefixes where abs(v) >= scale { return String(format: "%.3g %@%@", v / scale, p, unit) }
        return String(format: "%.3g %@", v, unit)
    }

    /// The tables of `marsim energy` for the reports of one trace (one per profile).
    public static func render(_ reports: [EnergyReport], phases: [PhaseEnergy] = [], trace: String, metadata: RunMetadata,
                       complete: Bool) -> String {
        var lines = ["trace    \(trace) (\(complete ? "complete" : "INCOMPLETE")), \(reports.first?.tokenCount ?? 0) tokens",
                     "run      \(metadata.mode)\(metadata.neuron.runLineSuffix), T = \(metadata.timesteps), placement \(metadata.placement), \(metadata.spikingSites.count) spiking sites",
                     "model    \(metadata.checkpoint.shape.architecture), \(metadata.checkpoint.parameterCount) parameters", ""]
        lines += TextTable.render(
            header: ["profile", "J/token", "dense J/token", "ratio", "latency/token", "dense latency"],
            rows: reports.map { r in
                [r.profile.name, joules(r.joulesPerToken), joules(r.denseBaselineJoulesPerToken),
                 r.ratio.map { String(format: "%.2f×", $0) } ?? "n/a", seconds(r.latencySecondsPerToken),
                 seconds(r.denseBaselineLatencySecondsPerToken)]
            })
        lines.append("ratio = dense ÷ spiking (above 1: spiking saves energy); every token costed as if run alone (decode)")
        lines += ["", "fair baseline, break-even and uncertainty: quantized = dense with the spiking sites' activations at"
                  + " ⌈log2(T+1)⌉ bits (MAC energy × bits_a ÷ bits_w); spiking pays below the break-even firing rate"
                  + " (events ÷ neuron updates); 5–95% = Monte Carlo over the profile's ranges"]
        lines += TextTable.render(
            header: ["profile", "quantized J/token", "ratio vs quantized", "firing rate", "break-even (dense)",
                     "break-even (quantized)", "J/token 5–95%"],
            rows: reports.map { r in
                [r.profile.name, joules(r.quantizedBaselineJoulesPerToken) + " (\(r.quantizedActivationBits)-bit)",
                 r.quantizedRatio.map { String(format: "%.2f×", $0) } ?? "n/a", rate(r.firingRate),
                 rate(r.breakEvenFiringRate, never: r.firingRate != nil), rate(r.quantizedBreakEvenFiringRate, never: r.firingRate != nil),
                 joules(r.joulesPerTokenInterval[0]) + " – " + joules(r.joulesPerTokenInterval[1])]
            })
        let mapped = reports.filter { $0.mapping != nil }
        if !mapped.isEmpty {
            lines += ["", "chip mapping: the spiking sites placed greedily onto the profile's cores (neurons and synaptic memory"
                      + " per core), routing charged by hops (in spike), each chip's static power × latency (in static)"]
            lines += TextTable.render(header: ["profile", "cores", "chips", "routing J/token", "chip static J/token"],
                                      rows: mapped.map { r in
                                          let m = r.mapping!
                                          return [r.profile.name, "\(m.cores)", "\(m.chips)", joules(m.routingJoulesPerToken),
                                                  joules(m.staticJoulesPerToken)]
                                      })
        }
        if phases.contains(where: { $0.prefill != nil }) {
            lines += ["", "prefill vs decode: known tokens ran in chunks that fetch each weight once per chunk (prefill);"
                      + " decode fetches every weight for every token"]
            var rows: [[String]] = []
            for (r, p) in zip(reports, phases) {
                for (name, phase) in [("decode", p.decode), ("prefill", p.prefill)] {
                    guard let phase else { continue }
                    rows.append([r.profile.name, name, "\(phase.tokens)", String(format: "%.1f", phase.meanChunkLength),
                                 joules(phase.joulesPerToken), joules(phase.denseBaselineJoulesPerToken),
                                 phase.ratio.map { String(format: "%.2f×", $0) } ?? "n/a", joules(phase.weightMemoryJoulesPerToken)])
                }
            }
            lines += TextTable.render(header: ["profile", "phase", "tokens", "chunk", "J/token", "dense J/token", "ratio", "weight memory"],
                                      rows: rows)
        }
        for r in reports {
            lines += ["", "\(r.profile.name): by cost kind (J/token)"]
            let kinds = r.byCostKind.filter { $0.joulesPerToken != 0 || $0.denseBaselineJoulesPerToken != 0 }
            lines += TextTable.render(header: ["cost kind", "spiking", "dense", "share"], rows: kinds.map { k in
                [k.costKind.rawValue + (k.memoryLevel.map { " (\($0))" } ?? ""), joules(k.joulesPerToken),
                 joules(k.denseBaselineJoulesPerToken),
                 String(format: "%.1f%%", r.joulesPerToken == 0 ? 0 : 100 * k.joulesPerToken / r.joulesPerToken)]
            })
            // By unit kind, summed over layers: where the spiking run's joules go.
            var byKind: [String: (Double, Double)] = [:]
            for e in r.breakdown { byKind[e.unitKind ?? e.unit, default: (0, 0)].0 += e.joulesPerToken }
            for e in r.denseBaselineBreakdown { byKind[e.unitKind ?? e.unit, default: (0, 0)].1 += e.joulesPerToken }
            let order = UnitKind.allCases.map(\.rawValue) + [BreakdownEntry.chipUnitName]
            let rows = order.compactMap { name -> [String]? in
                guard let (s, d) = byKind[name], s != 0 || d != 0 else { return nil }
                return [name, joules(s), joules(d)]
            }
            lines += ["", "\(r.profile.name): by unit, all layers (J/token)"]
            lines += TextTable.render(header: ["unit", "spiking", "dense"], rows: rows)
            let sites = r.siteBreakEvens
            if !sites.isEmpty {
                lines += ["", "\(r.profile.name): break-even firing rate by spiking site (never: the site's fixed cost alone"
                          + " reaches the baseline's; above 100%: it pays at any rate)"]
                lines += TextTable.render(header: ["site", "firing rate", "break-even (dense)", "break-even (quantized)"],
                                          rows: sites.map { [$0.unit, rate($0.breakEven.firingRate),
                                                             rate($0.breakEven.dense, never: true), rate($0.breakEven.quantized, never: true)] })
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension EnergyTable {
    /// What `energy --csv` prints: every report's breakdown rows, each prefixed with its profile's name.
    public static func csv(_ reports: [EnergyReport], includeZeroRows: Bool) -> String {
        var lines = ["profile," + EnergyReport.breakdownCSVHeader]
        for r in reports {
            lines += r.breakdownCSV(includeZeroRows: includeZeroRows).split(separator: "\n").dropFirst().map { EnergyReport.csvField(r.profile.name) + "," + $0 }
        }
        return lines.joined(separator: "\n")
    }

    /// What `energy --json` prints: one report object (with its phases and the shared `marsim` and
    /// `neurobench` blocks) for one profile, else `{"reports": [...]}`.
    public static func json(_ reports: [EnergyReport], phases: [PhaseEnergy], reader: TraceReader) throws -> String {
        let marsim = MarsimProvenance(command: "energy", checkpoint_hash: reader.metadata.checkpoint.contentHash)
        let neurobench = NeuroBenchMetrics(metadata: reader.metadata, totals: try reader.totalCounts(), tokens: reader.tokensWritten,
                                           membraneUpdatesKnown: reader.stores(counter: "membrane_updates"))
        let entries = zip(reports, phases).map {
            ConventionalJSON(report: EnergyReportWithPhases(report: $0, phases: $1), marsim: marsim, neurobench: neurobench)
        }
        if entries.count == 1 { return try JSONOutput.string(entries[0]) }
        return try JSONOutput.string(ConventionalJSON(report: ["reports": entries], marsim: marsim, neurobench: neurobench))
    }
}

extension EnergyInputs {
    /// The counts and metadata of a trace, as `EnergyModel` costs them: a trace alone is enough.
    public init(reader: TraceReader) throws {
        self.init(metadata: reader.metadata, counts: try reader.counts(),
                  chunkLengths: try reader.chunkLengths(), sharedWeightReads: try reader.sharedWeightReads())
    }
}

/// A report as `energy --json` prints it: the report with its decode/prefill split under the key `phases`.
public struct EnergyReportWithPhases: Encodable {
    public var report: EnergyReport
    public var phases: PhaseEnergy

    public init(report: EnergyReport, phases: PhaseEnergy) {
        self.report = report
        self.phases = phases
    }

    public func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        enum Key: String, CodingKey { case phases }
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(phases, forKey: .phases)
    }
}
