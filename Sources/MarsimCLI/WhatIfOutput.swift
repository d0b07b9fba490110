import Foundation
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimPlot

/// Writes a what-if study: results.csv, the printed tables, and the SVG plots.
struct WhatIfOutput {
    let dense: WhatIfCommand.Row
    let rows: [WhatIfCommand.Row]
    let profiles: [String]
    /// File-name forms of `profiles` (sanitised: a profile's name is text from its file).
    let profileFiles: [String]
    let out: URL
    /// Provenance printed under every plot (marsim, checkpoint, text, calibration); the profile is added per plot.
    var caption: String? = nil

    static let csvHeader = "configuration,timesteps,placement,threshold_scale,profile,joules_per_token,dense_baseline_joules_per_token,ratio,latency_seconds_per_token,bits_per_byte_dense,bits_per_byte_spiking,kl_mean,top1_agreement,spikes_per_token,firing_rate,synaptic_ops_per_token,dense_macs_per_token,trace,prefill_joules_per_token,prefill_dense_baseline_joules_per_token,prefill_ratio,neuron,quantized_baseline_joules_per_token,quantized_ratio,break_even_firing_rate,quantized_break_even_firing_rate,joules_per_token_p5,joules_per_token_p95"

    /// Cost kinds grouped for the stacked bars.
    static let segments: [(String, [CostKind])] = [
        ("MAC", [.mac]), ("AC", [.ac]), ("neuron update + spike", [.neuronUpdate, .spike]),
        ("element-wise", [.elementwiseAdd, .elementwiseMul, .elementwiseNonlinear]),
        ("weight memory", [.weights]), ("neuron-state memory", [.neuronState]),
        ("recurrent-state memory", [.recurrentState]), ("static", [.staticPower]),
    ]

    var usesBitsPerByte: Bool { dense.summary.bitsPerByte(spiking: false) != nil }

    /// Writes every file through a temporary file renamed over its target (`AtomicOutputFile`).
    func write() throws {
        try AtomicOutputFile.write(csv(), to: out.appendingPathComponent("results.csv").path, label: "results file")
        for (p, file) in profileFiles.enumerated() {
            try scatter(profileIndex: p).writeSafely(to: out.appendingPathComponent("energy-vs-fidelity-\(file).svg").path)
            try breakdown(profileIndex: p).writeSafely(to: out.appendingPathComponent("breakdown-\(file).svg").path)
        }
        print(table())
        note("wrote \(out.path)/results.csv, energy-vs-fidelity-*.svg, breakdown-*.svg and traces/")
    }

    private func label(_ row: WhatIfCommand.Row) -> String {
        guard let c = row.configuration else { return "dense" }
        return (c.neuron == ATMNModel.name ? "" : c.neuron + " ") + "T=\(c.timesteps) \(c.placement)" + (c.scale == 1 ? "" : " ×\(c.scale)")
    }

    private func csv() -> String {
        var lines = [Self.csvHeader]
        for row in [dense] + rows {
            let s = row.summary, n = Double(max(s.tokens, 1)), total = s.total
            for (k, r) in row.reports.enumerated() {
                let c = row.configuration
                let prefill = row.phases.indices.contains(k) ? row.phases[k].prefill : nil
                let fields: [String] = [
                    c?.name ?? "dense", c.map { String($0.timesteps) } ?? "", c?.placement ?? "none", c.map { "\($0.scale)" } ?? "",
                    r.profile.name, "\(r.joulesPerToken)", "\(r.denseBaselineJoulesPerToken)", r.ratio.map { "\($0)" } ?? "",
                    "\(r.latencySecondsPerToken)", s.bitsPerByte(spiking: false).map { "\($0)" } ?? "",
                    s.bitsPerByte(spiking: true).map { "\($0)" } ?? "", "\(s.klMean)", "\(s.top1Agreement)",
                    "\(Double(total.spikes) / n)", "\(s.firingRate)", "\(Double(total.synapticOps) / n)", "\(Double(total.denseMACs) / n)", row.trace,
                    prefill.map { "\($0.joulesPerToken)" } ?? "", prefill.map { "\($0.denseBaselineJoulesPerToken)" } ?? "",
                    prefill?.ratio.map { "\($0)" } ?? "", c?.neuron ?? "",
                    "\(r.quantizedBaselineJoulesPerToken)", r.quantizedRatio.map { "\($0)" } ?? "",
                    r.breakEvenFiringRate.map { "\($0)" } ?? "", r.quantizedBreakEvenFiringRate.map { "\($0)" } ?? "",
                    "\(r.joulesPerTokenInterval[0])", "\(r.joulesPerTokenInterval[1])",
                ]
                lines.append(fields.map(EnergyReport.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func table() -> String {
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

    /// J/token against fidelity for one profile: one connected series per placement × scale (through T), dense marked.
    private func scatter(profileIndex p: Int) -> SVGDocument {
        var groups: [String: [ScatterChart.Point]] = [:]
        var order: [String] = []
        for row in rows {
            guard let c = row.configuration, let x = fidelity(row.summary) else { continue }
            let key = c.placement + (c.scale == 1 ? "" : " ×\(c.scale)")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(.init(x: x, y: row.reports[p].joulesPerToken, label: "T=\(c.timesteps)"))
        }
        let denseX = usesBitsPerByte ? dense.summary.bitsPerByte(spiking: false) ?? 0 : 0
        let profile = profiles[p]
        return ScatterChart(
            title: "Energy vs fidelity — \(profile)",
            xLabel: usesBitsPerByte ? "bits per byte (lower is better)" : "KL(dense ‖ spiking), nats",
            yLabel: "energy per token", xScale: .linear, yScale: .log,
            series: order.map { .init(name: "placement \($0)", points: groups[$0]!, connected: true) },
            highlights: [.init(name: "dense", x: denseX, y: dense.reports[p].joulesPerToken)],
            width: 760, height: 480, yUnit: "J", caption: plotCaption(profile: profile)).render()
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
