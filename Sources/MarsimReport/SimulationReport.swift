import Foundation
import MarsimCore
import MarsimEngine

/// What `marsim simulate --json` prints: run totals, fidelity, and a per-layer × per-unit breakdown.
/// Counts are totals over the run; `*_per_token` fields divide them by `tokens`.
public struct SimulationReport: Encodable {
    /// One unit's totals: its identity, spikes and firing rate, then every counter of `Counter.all`
    /// under its own name (the JSON object is flat, as before counters were declared in one table).
    public struct UnitRow: Encodable {
        public var unit: String
        public var layer: Int?
        public var site: String
        public var spiking: Bool
        public var firing_rate: Double?
        public var counts: ActivityCounts

        public var spikes: Int { counts.spikes }

        private enum Keys: String, CodingKey { case unit, layer, site, spiking, spikes, firing_rate }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(unit, forKey: .unit)
            try container.encodeIfPresent(layer, forKey: .layer)
            try container.encode(site, forKey: .site)
            try container.encode(spiking, forKey: .spiking)
            try container.encode(spikes, forKey: .spikes)
            try container.encodeIfPresent(firing_rate, forKey: .firing_rate)
            try counts.encode(to: encoder)
        }
    }

    public var checkpoint: String
    public var architecture: String
    public var mode: String
    public var tokens: Int
    /// The neuron model and its own parameters, e.g. `lif (reset=zero)`.
    public var neuron: String
    public var timesteps: Int
    public var tau: Double
    public var placement: String
    public var spiking_sites: [String]
    public var threshold_source: String
    public var spikes: Int
    public var spikes_positive: Int
    public var spikes_negative: Int
    /// Accumulates of the spiking sites (counter `acs`).
    public var acs: Int
    /// Multiply-accumulates left in the run: non-spiking projections, conv, scan (counter `macs`).
    public var macs: Int
    public var neuron_updates: Int
    public var firing_rate: Double
    public var spikes_per_token: Double
    public var acs_per_token: Double
    public var macs_per_token: Double
    public var dense_baseline_macs_per_token: Int
    /// Mean KL(dense ‖ spiking) over the tokens, nats (the trace's per-token `kl_nats`).
    public var mean_kl_nats: Double?
    /// Deprecated spellings of `acs`, `macs`, their per-token values and `mean_kl_nats`, kept one release.
    public var synaptic_ops: Int
    public var dense_macs: Int
    public var synaptic_ops_per_token: Double
    public var dense_macs_per_token: Double
    public var kl_mean: Double?
    public var top1_agreement: Double?
    /// Tokens whose logits were not all finite; when above 0, KL, top-1 and bits/byte are null.
    public var non_finite_logit_tokens: Int
    public var first_non_finite_token: Int?
    public var bits_per_byte_dense: Double?
    public var bits_per_byte_spiking: Double?
    public var trace: String?
    /// Tokens per chunk the known text ran in (1: token by token).
    public var chunk: Int
    public var breakdown: [UnitRow]
    /// Wall-clock load and run time (JSON only).
    public var timing: RunTiming?
    /// Which marsim, command and checkpoint (docs/DESIGN.md §6).
    public var marsim: MarsimProvenance
    /// NeuroBench's workload metrics per token (docs/DESIGN.md §6).
    public var neurobench: NeuroBenchMetrics

    /// Builds the report of one run from its summary and settings.
    public init(summary: SimulationSummary, settings: SimulationSettings, checkpoint: String, architecture: String,
         thresholdSource: String, denseBaseline: [ActivityCounts], trace: String?, timing: RunTiming? = nil,
         checkpointHash: String) {
        self.timing = timing
        marsim = MarsimProvenance(command: "simulate", checkpoint_hash: checkpointHash)
        neurobench = NeuroBenchMetrics(units: summary.units, totals: summary.countsPerUnit, denseBaseline: denseBaseline,
                                       tokens: summary.tokens, spikingSites: settings.mode == .dense ? [] : settings.spikingSites,
                                       timesteps: settings.parameters.timesteps)
        chunk = settings.chunk
        let total = summary.total
        let n = Double(max(summary.tokens, 1))
        let spikingSites = Set(settings.spikingSites)
        self.checkpoint = checkpoint
        self.architecture = architecture
        mode = settings.mode.rawValue
        tokens = summary.tokens
        neuron = (try? NeuronRegistry.make(settings.parameters).record.label) ?? settings.parameters.model
        timesteps = settings.parameters.timesteps
        tau = Double(settings.parameters.tau)
        placement = settings.mode == .dense ? "none" : settings.placement.specification
        spiking_sites = settings.spikingSites.map(\.name)
        threshold_source = settings.mode == .dense ? "none (dense)" : thresholdSource
        spikes = total.spikes
        spikes_positive = total.spikesPositive
        spikes_negative = total.spikesNegative
        acs = total.synapticOps
        macs = total.denseMACs
        neuron_updates = total.neuronUpdates
        firing_rate = summary.firingRate
        spikes_per_token = Double(total.spikes) / n
        acs_per_token = Double(total.synapticOps) / n
        macs_per_token = Double(total.denseMACs) / n
        synaptic_ops = acs
        dense_macs = macs
        synaptic_ops_per_token = acs_per_token
        dense_macs_per_token = macs_per_token
        dense_baseline_macs_per_token = denseBaseline.reduce(0) { $0 + $1.denseMACs }
        non_finite_logit_tokens = summary.nonFiniteTokens
        first_non_finite_token = summary.firstNonFiniteToken
        let defined = non_finite_logit_tokens == 0
        mean_kl_nats = defined ? summary.klMean : nil
        kl_mean = mean_kl_nats
        top1_agreement = defined ? summary.top1Agreement : nil
        bits_per_byte_dense = defined ? summary.bitsPerByte(spiking: false) : nil
        bits_per_byte_spiking = defined ? summary.bitsPerByte(spiking: true) : nil
        self.trace = trace
        breakdown = zip(summary.units, summary.countsPerUnit).map { unit, c in
            UnitRow(unit: unit.name, layer: unit.layer, site: unit.kind.rawValue, spiking: spikingSites.contains(unit),
                    firing_rate: c.neuronUpdates == 0 ? nil : Double(c.spikes) / Double(c.neuronUpdates), counts: c)
        }
    }

    /// The report as `simulate --json` prints it.
    public func json() throws -> String { try JSONOutput.string(self) }

    /// A readable summary and a per-site table.
    public func table() -> String {
        var lines: [String] = []
        func fmt(_ x: Double?, _ digits: Int = 3) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }
        lines.append("checkpoint   \(checkpoint) (\(architecture))")
        lines.append("mode         \(mode)" + (mode == "spiking" ? (neuron == ATMNModel.name ? "" : ", neuron \(neuron)") + ", T = \(timesteps), tau = \(fmt(tau, 2)), placement \(placement) (\(spiking_sites.count) sites)" : ""))
        if mode == "spiking" { lines.append("thresholds   \(threshold_source)") }
        lines.append("tokens       \(tokens)")
        lines.append("")
        lines.append("per token    spikes \(fmt(spikes_per_token, 1))   ACs \(fmt(acs_per_token, 0))   MACs \(fmt(macs_per_token, 0)) (dense model: \(dense_baseline_macs_per_token))")
        lines.append("firing rate  \(fmt(firing_rate * 100, 2))% of \(neuron_updates) neuron updates")
        if non_finite_logit_tokens > 0 {
            lines.append("fidelity     UNDEFINED: non-finite logits (NaN or ±inf) at \(non_finite_logit_tokens) of \(tokens) tokens, "
                         + "first at position \(first_non_finite_token ?? 0); KL, top-1 and bits/byte cannot be computed")
        } else {
            lines.append("fidelity     KL(dense‖spiking) \(fmt(mean_kl_nats, 4)) nats   top-1 agreement \(fmt(top1_agreement.map { $0 * 100 }, 1))%")
        }
        if bits_per_byte_dense != nil {
            lines.append("bits/byte    dense \(fmt(bits_per_byte_dense))   spiking \(fmt(bits_per_byte_spiking))")
        }
        if let trace { lines.append("trace        \(trace)") }
        let sites = breakdown.filter(\.spiking)
        if !sites.isEmpty {
            lines.append("")
            let header = ["site", "spikes/tok", "+", "−", "rate", "ACs/tok"]
            var rows: [[String]] = []
            let n = Double(max(tokens, 1))
            for r in sites {
                rows.append([r.unit, fmt(Double(r.spikes) / n, 1), String(r.counts.spikesPositive), String(r.counts.spikesNegative),
                             fmt((r.firing_rate ?? 0) * 100, 2) + "%", fmt(Double(r.counts.synapticOps) / n, 0)])
            }
            lines += TextTable.render(header: header, rows: rows)
        }
        return lines.joined(separator: "\n")
    }
}
