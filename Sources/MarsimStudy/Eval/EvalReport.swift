import Foundation
import MarsimCore
import MarsimEngine
import MarsimReport

/// What `marsim eval` prints: every task × T run (`--json`), or a table. With exactly one run its
/// keys are also at the top level, as before several tasks and T's were possible (deprecated:
/// read `runs`).
public struct EvalReport: Encodable {
    public var runs: [Run]
    /// Load (checkpoint, tasks, thresholds) and run time; tokens counts every model's steps.
    public var timing: RunTiming?

    public init(runs: [Run], timing: RunTiming?) {
        self.runs = runs
        self.timing = timing
    }

    private enum Keys: String, CodingKey { case runs, timing }

    public func encode(to encoder: Encoder) throws {
        if runs.count == 1 { try runs[0].encode(to: encoder) }
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(runs, forKey: .runs)
        try c.encodeIfPresent(timing, forKey: .timing)
    }

    public struct ModelScores: Encodable {
        public var acc: Double
        public var acc_norm: Double
        public var tokens: Int
        public var spikes_per_token: Double
        public var acs_per_token: Double
        public var macs_per_token: Double
        /// Deprecated spellings of `acs_per_token` and `macs_per_token`, kept one release.
        public var synaptic_ops_per_token: Double
        public var dense_macs_per_token: Double
        /// NeuroBench's workload metrics of this model's run, per token (docs/DESIGN.md §6).
        public var neurobench: NeuroBenchMetrics
        public var items: [ScoredItem]

        /// - units, denseBaseline: the forward pass's units and one dense token's counts per unit.
        public init(_ r: EvaluationResult, units: [AccountingUnit], denseBaseline: [ActivityCounts],
             spikingSites: [AccountingUnit], timesteps: Int) {
            acc = r.acc
            acc_norm = r.accNorm
            tokens = r.tokens
            let n = Double(max(r.tokens, 1))
            spikes_per_token = Double(r.total.spikes) / n
            acs_per_token = Double(r.total.synapticOps) / n
            macs_per_token = Double(r.total.denseMACs) / n
            synaptic_ops_per_token = acs_per_token
            dense_macs_per_token = macs_per_token
            neurobench = NeuroBenchMetrics(units: units, totals: r.unitTotals, denseBaseline: denseBaseline, tokens: r.tokens,
                                           spikingSites: spikingSites, timesteps: timesteps)
            items = r.items
        }
    }

    /// One task scored by the dense model and the spiking model at one T (either may be absent).
    public struct Run: Encodable {
        /// The task file and the task's name (the file's name without `.jsonl`).
        public var tasks: String
        public var task: String
        public var items: Int
        public var timesteps: Int?
        /// The spiking model's neuron model and its own parameters, e.g. `graded (spike_bits=4)`.
        public var neuron: String?
        public var placement: String?
        public var threshold_source: String?
        public var dense: ModelScores?
        public var spiking: ModelScores?
        public var acc_difference: Double?
        public var acc_norm_difference: Double?

        public init(tasks: String, task: String, items: Int, dense: ModelScores?) {
            self.tasks = tasks
            self.task = task
            self.items = items
            self.dense = dense
        }
    }

    /// The printed table: per task the dense row, then a spiking row per T with its accuracy change.
    public func table() -> String {
        var lines: [String] = []
        if let first = runs.first(where: { $0.spiking != nil }), let p = first.placement {
            lines.append("spiking: \(first.neuron ?? ATMNModel.name), placement \(p); thresholds "
                         + Set(runs.compactMap(\.threshold_source)).sorted().joined(separator: "; "))
        }
        let header = ["task", "items", "model", "T", "acc", "acc_norm", "Δacc", "spikes/tok", "ACs/tok", "MACs/tok"]
        var rows: [[String]] = []
        func row(_ r: Run, _ name: String, _ t: String, _ s: ModelScores, _ difference: Double?) -> [String] {
            [r.task, String(r.items), name, t, String(format: "%.4f", s.acc), String(format: "%.4f", s.acc_norm),
             difference.map { String(format: "%+.4f", $0) } ?? "", String(format: "%.1f", s.spikes_per_token),
             String(format: "%.0f", s.acs_per_token), String(format: "%.0f", s.macs_per_token)]
        }
        var lastTask: String?
        for r in runs {
            if r.task != lastTask, let d = r.dense { rows.append(row(r, "dense", "—", d, nil)) }
            lastTask = r.task
            if let s = r.spiking { rows.append(row(r, "spiking", r.timesteps.map(String.init) ?? "", s, r.acc_difference)) }
        }
        lines += TextTable.render(header: header, rows: rows)
        return lines.joined(separator: "\n")
    }
}
