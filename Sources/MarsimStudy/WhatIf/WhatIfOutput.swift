import Foundation
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimPlot
import MarsimReport

/// Writes a what-if study: results.csv, the printed tables, and the SVG plots.
public struct WhatIfOutput {
    public let dense: WhatIfRow
    public let rows: [WhatIfRow]
    public let profiles: [String]
    /// File-name forms of `profiles` (sanitised: a profile's name is text from its file).
    public let profileFiles: [String]
    public let out: URL
    /// Provenance printed under every plot (marsim, checkpoint, text, calibration); the profile is added per plot.
    public var caption: String? = nil

    public init(dense: WhatIfRow, rows: [WhatIfRow], profiles: [String], profileFiles: [String], out: URL, caption: String? = nil) {
        self.dense = dense
        self.rows = rows
        self.profiles = profiles
        self.profileFiles = profileFiles
        self.out = out
        self.caption = caption
    }

    /// `configuration` is the name (file names, e.g. `T1-mixer-x1.0`), `label` the same configuration
    /// as the screen and plots show it (`T=1 mixer`); the last three columns are deprecated spellings
    /// of `mean_kl_nats`, `acs_per_token` and `macs_per_token`, kept one release.
    public static let csvHeader = "configuration,timesteps,placement,threshold_scale,profile,joules_per_token,dense_baseline_joules_per_token,ratio,latency_seconds_per_token,bits_per_byte_dense,bits_per_byte_spiking,mean_kl_nats,top1_agreement,spikes_per_token,firing_rate,acs_per_token,macs_per_token,trace,prefill_joules_per_token,prefill_dense_baseline_joules_per_token,prefill_ratio,neuron,label,quantized_baseline_joules_per_token,quantized_ratio,break_even_firing_rate,quantized_break_even_firing_rate,joules_per_token_p5,joules_per_token_p95,kl_mean,synaptic_ops_per_token,dense_macs_per_token"

    /// Cost kinds grouped for the stacked bars.
    static let segments: [(String, [CostKind])] = [
        ("MAC", [.mac]), ("AC", [.ac]), ("neuron update + spike", [.neuronUpdate, .spike]),
        ("element-wise", [.elementwiseAdd, .elementwiseMul, .elementwiseNonlinear]),
        ("weight memory", [.weights]), ("neuron-state memory", [.neuronState]),
        ("recurrent-state memory", [.recurrentState]), ("static", [.staticPower]),
    ]

    var usesBitsPerByte: Bool { dense.summary.bitsPerByte(spiking: false) != nil }

    /// The files `write` writes, relative paths under `out` first.
    public var writtenFiles: [String] {
        ["results.csv"] + profileFiles.flatMap(Self.plotFiles)
    }

    /// The plots written per profile, named with the profile's file-name form.
    public static func plotFiles(profileFile: String) -> [String] {
        ["energy-vs-fidelity-\(profileFile).svg", "breakdown-\(profileFile).svg", "break-even-\(profileFile).svg"]
    }

    /// Writes every file through a temporary file renamed over its target (`AtomicOutputFile`),
    /// then prints the tables (unless `printTables` is false) and notes what was written.
    public func write(printTables: Bool = true) throws {
        try AtomicOutputFile.write(csv(), to: out.appendingPathComponent("results.csv").path, label: "results file")
        for (p, file) in profileFiles.enumerated() {
            try scatter(profileIndex: p).writeSafely(to: out.appendingPathComponent("energy-vs-fidelity-\(file).svg").path)
            try breakdown(profileIndex: p).writeSafely(to: out.appendingPathComponent("breakdown-\(file).svg").path)
            try BreakEvenPlot(rows: rows, profileIndex: p).chart(profile: profiles[p], caption: plotCaption(profile: profiles[p])).render()
                .writeSafely(to: out.appendingPathComponent("break-even-\(file).svg").path)
        }
        if printTables { print(table()) }
        note("wrote \(out.path)/results.csv, energy-vs-fidelity-*.svg, breakdown-*.svg, break-even-*.svg and traces/")
    }

    private func label(_ row: WhatIfRow) -> String { WhatIfResultRow.label(row.configuration) }

    /// One result per configuration × profile, dense first: what results.csv and `--json` list.
    public var resultRows: [WhatIfResultRow] {
        ([dense] + rows).flatMap { row in
            row.reports.indices.map { WhatIfResultRow(row, profile: $0) }
        }
    }

    private func csv() -> String {
        ([Self.csvHeader] + resultRows.map { $0.csvLine }).joined(separator: "\n") + "\n"
    }

    /// The study as one JSON object (`whatif --json`).
    public func json(marsim: MarsimProvenance, split: String, splitOverlaps: Bool) -> ConventionalJSON<WhatIfJSON> {
        ConventionalJSON(report: WhatIfJSON(tokens: dense.summary.tokens, split: split, split_overlaps: splitOverlaps,
                                            rows: resultRows, out: out.path, files: writtenFiles,
                                            traces: ([dense] + rows).map(\.trace)),
                         marsim: marsim, neurobench: dense.summary.neurobench)
    }

    /// The printed tables: activity and fidelity per configuration, then J/token per profile.
    public func table() -> String {
        func f(_ x: Double?, _ d: Int) -> String { x.map { String(format: "%.\(d)f", $0) } ?? "n/a" }
        var lines = ["Spiking vs dense on \(dense.summary.tokens) tokens (dense bits/byte \(f(dense.summary.bitsPerByte(spiking: false), 3)))", ""]
        lines += TextTable.render(
            header: ["configuration", "spikes/tok", "firing", "ACs/tok", "MACs/tok", "KL nats", "top-1", "bits/byte"],
            rows: ([dense] + rows).map { row in
                let s = row.summary, n = Double(max(s.tokens, 1)), t = s.total
                return [label(row), f(Double(t.spikes) / n, 0), f(s.firingRate * 100, 1) + "%", f(Double(t.synapticOps) / n, 0),
                        f(Double(t.denseMACs) / n, 0), f(s.klMean, 3), f(s.top1Agreement, 3), f(s.bitsPerByte(spiking: true), 3)]
            })
        lines += ["", "Joules per token (ratio = dense ÷ spiking)", ""]
        lines += TextTable.render(
            header: ["configuration"] + profiles,
            rows: ([dense] + rows).map { row in
                [label(row)] + row.reports.map { r in
                    EnergyTable.joules(r.joulesPerToken) + (row.configuration == nil ? "" : " (" + (r.ratio.map { String(format: "%.2f×", $0) } ?? "n/a") + ")")
                }
            })
        return lines.joined(separator: "\n")
    }

    private func fidelity(_ s: WhatIfSummary) -> Double? {
        usesBitsPerByte ? s.bitsPerByte(spiking: true) : s.klMean
    }

    /// J/token against fidelity for one profile: one connected series per placement × scale (through T), dense marked;
    /// each point with the Monte Carlo 5–95% interval of its J/token as an error bar when the profile has ranges.
    private func scatter(profileIndex p: Int) -> SVGDocument {
        var groups: [String: [ScatterChart.Point]] = [:]
        var order: [String] = []
        for row in rows {
            guard let c = row.configuration, let x = fidelity(row.summary) else { continue }
            let key = c.placement + (c.scale == 1 ? "" : " ×\(c.scale)")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(.init(x: x, y: row.reports[p].joulesPerToken, label: "T=\(c.timesteps)",
                                                 yInterval: Self.interval(row.reports[p])))
        }
        let denseX = usesBitsPerByte ? dense.summary.bitsPerByte(spiking: false) ?? 0 : 0
        let profile = profiles[p]
        return ScatterChart(
            title: "Energy vs fidelity — \(profile)",
            xLabel: usesBitsPerByte ? "bits per byte (lower is better)" : "KL(dense ‖ spiking), nats",
            yLabel: "energy per token", xScale: .linear, yScale: .log,
            series: order.map { .init(name: "placement \($0)", points: groups[$0]!, connected: true) },
            highlights: [.init(name: "dense", x: denseX, y: dense.reports[p].joulesPerToken, yInterval: Self.interval(dense.reports[p]))],
            width: 760, height: 480, yUnit: "J", caption: plotCaption(profile: profile)).render()
    }

    /// The report's [p5, p95] of J/token as a range, nil when it is a point (a profile without ranges).
    static func interval(_ report: EnergyReport) -> ClosedRange<Double>? {
        let i = report.joulesPerTokenInterval
        return i.count == 2 && i[0] < i[1] ? i[0]...i[1] : nil
    }

    /// Stacked J/token by cost group per configuration (dense first) for one profile.
    private func breakdown(profileIndex p: Int) -> SVGDocument {
        let bars = ([dense] + rows).map { row -> StackedBarChart.Bar in
            let r = row.reports[p]
            return .init(label: label(row), values: Self.segments.map { $0.1.reduce(0) { $0 + r.joulesPerToken(of: $1) } })
        }
        return StackedBarChart(title: "Energy per token by cost kind — \(profiles[p])", yLabel: "energy per token",
                               segmentNames: Self.segments.map(\.0), bars: bars, width: max(640, Double(bars.count) * 70 + 200), height: 480,
                               unit: "J", caption: plotCaption(profile: profiles[p])).render()
    }

    /// The caption of one profile's plots: the study's provenance plus the profile.
    private func plotCaption(profile: String) -> String? {
        caption.map { $0 + " · profile \(profile)" }
    }
}
