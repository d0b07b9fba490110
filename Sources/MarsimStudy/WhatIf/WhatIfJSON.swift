import Foundation
import MarsimCore
import MarsimEnergy
import MarsimEngine

/// One configuration under one profile: a row of results.csv and of `whatif --json`, with one
/// spelling per quantity (the same keys as `simulate --json`).
public struct WhatIfResultRow: Encodable {
    /// The configuration's name, as its trace file is named (`T1-mixer-x1.0`; `dense`).
    public var configuration: String
    /// The same configuration as the tables and plots show it (`T=1 mixer`; `dense`).
    public var label: String
    public var neuron: String?
    public var timesteps: Int?
    public var placement: String
    public var threshold_scale: Float?
    public var profile: String
    public var joules_per_token: Double
    public var dense_baseline_joules_per_token: Double
    public var ratio: Double?
    public var latency_seconds_per_token: Double
    public var bits_per_byte_dense: Double?
    public var bits_per_byte_spiking: Double?
    public var mean_kl_nats: Double
    public var top1_agreement: Double
    public var spikes_per_token: Double
    public var firing_rate: Double
    public var acs_per_token: Double
    public var macs_per_token: Double
    public var trace: String
    public var prefill_joules_per_token: Double?
    public var prefill_dense_baseline_joules_per_token: Double?
    public var prefill_ratio: Double?
    /// The quantised-ANN baseline (activations at ⌈log2(T+1)⌉ bits) and the ratio to it.
    public var quantized_baseline_joules_per_token: Double
    public var quantized_ratio: Double?
    /// Firing rates at which spiking costs what the dense / quantised model costs (nil: never pays).
    public var break_even_firing_rate: Double?
    public var quantized_break_even_firing_rate: Double?
    /// The 5–95% Monte Carlo interval of J/token over the profile's ranges (the point value without ranges).
    public var joules_per_token_p5: Double
    public var joules_per_token_p95: Double
    /// NeuroBench's workload metrics of this configuration's run, per token.
    public var neurobench: NeuroBenchMetrics?

    /// How the screen names a configuration: `T=4 mixer`, `lif T=2 all ×0.5`, `dense`.
    public static func label(_ c: WhatIfConfiguration?) -> String {
        guard let c else { return "dense" }
        return (c.neuron == ATMNModel.name ? "" : c.neuron + " ") + "T=\(c.timesteps) \(c.placement)" + (c.scale == 1 ? "" : " ×\(c.scale)")
    }

    /// The row of `row`'s configuration under its `k`-th profile.
    public init(_ row: WhatIfRow, profile k: Int) {
        let s = row.summary, n = Double(max(s.tokens, 1)), c = row.configuration, r = row.reports[k]
        let prefill = row.phases.indices.contains(k) ? row.phases[k].prefill : nil
        configuration = c?.name ?? "dense"
        label = Self.label(c)
        neuron = c?.neuron
        timesteps = c?.timesteps
        placement = c?.placement ?? "none"
        threshold_scale = c?.scale
        profile = r.profile.name
        joules_per_token = r.joulesPerToken
        dense_baseline_joules_per_token = r.denseBaselineJoulesPerToken
        ratio = r.ratio
        latency_seconds_per_token = r.latencySecondsPerToken
        bits_per_byte_dense = s.bitsPerByte(spiking: false)
        bits_per_byte_spiking = s.bitsPerByte(spiking: true)
        mean_kl_nats = s.klMean
        top1_agreement = s.top1Agreement
        spikes_per_token = Double(s.total.spikes) / n
        firing_rate = s.firingRate
        acs_per_token = Double(s.total.synapticOps) / n
        macs_per_token = Double(s.total.denseMACs) / n
        trace = row.trace
        prefill_joules_per_token = prefill?.joulesPerToken
        prefill_dense_baseline_joules_per_token = prefill?.denseBaselineJoulesPerToken
        prefill_ratio = prefill?.ratio
        quantized_baseline_joules_per_token = r.quantizedBaselineJoulesPerToken
        quantized_ratio = r.quantizedRatio
        break_even_firing_rate = r.breakEvenFiringRate
        quantized_break_even_firing_rate = r.quantizedBreakEvenFiringRate
        joules_per_token_p5 = r.joulesPerTokenInterval[0]
        joules_per_token_p95 = r.joulesPerTokenInterval[1]
        neurobench = s.neurobench
    }

    /// The row in `WhatIfOutput.csvHeader`'s column order (the deprecated columns last).
    public var csvLine: String {
        func d(_ x: (some CustomStringConvertible)?) -> String { x.map { "\($0)" } ?? "" }
        let fields: [String] = [
            configuration, timesteps.map(String.init) ?? "", placement, d(threshold_scale), profile, d(joules_per_token),
            d(dense_baseline_joules_per_token), d(ratio), d(latency_seconds_per_token), d(bits_per_byte_dense), d(bits_per_byte_spiking),
            d(mean_kl_nats), d(top1_agreement), d(spikes_per_token), d(firing_rate), d(acs_per_token), d(macs_per_token), trace,
            d(prefill_joules_per_token), d(prefill_dense_baseline_joules_per_token), d(prefill_ratio), neuron ?? "", label,
            d(quantized_baseline_joules_per_token), d(quantized_ratio), d(break_even_firing_rate), d(quantized_break_even_firing_rate),
            d(joules_per_token_p5), d(joules_per_token_p95),
            d(mean_kl_nats), d(acs_per_token), d(macs_per_token),
        ]
        return fields.map(EnergyReport.csvField).joined(separator: ",")
    }
}

/// What `marsim whatif --json` prints: the study's rows, its split and the files it wrote (the
/// `marsim` block and the dense reference's `neurobench` block are added by `ConventionalJSON`).
public struct WhatIfJSON: Encodable {
    public var tokens: Int
    /// Which tokens were evaluated and which calibrated the thresholds.
    public var split: String
    /// Whether the calibration tokens overlap the evaluated ones (fidelity is then flattered).
    public var split_overlaps: Bool
    /// One per configuration × profile, dense first.
    public var rows: [WhatIfResultRow]
    /// The output folder, and the files written in it.
    public var out: String
    public var files: [String]
    /// Every configuration's trace, dense first.
    public var traces: [String]
}
