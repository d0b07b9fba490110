import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimReport

/// `results.json`, shaped like lm-evaluation-harness's (`results.<task>."acc,none"`,
/// `"acc_stderr,none"`, `"acc_norm,none"`, `"acc_norm_stderr,none"`, `configs`, `versions`,
/// `n-shot`, `higher_is_better`, `n-samples`, `config`), with marsim's own block beside
/// (`marsim`: provenance, and per result both models' scores, work, NeuroBench metrics and joules
/// per token under every profile).
///
/// A result is a task at one T: keyed by the task's name, or `<task>_T<t>` when several T's were
/// scored (its `configs` entry's `metadata` says which T). `results` holds the spiking model's
/// scores (the dense model's with `--mode dense`). Standard errors are lm-eval's for a mean: the
/// sample standard deviation (n − 1) ÷ √n. Nothing in it depends on the time or machine, so a
/// merged study's file equals the unsharded run's byte for byte.
public struct EvalResultsFile: Encodable {
    struct TaskScores: Encodable {
        var alias: String
        var acc: Double
        var accStderr: Double?
        var accNorm: Double
        var accNormStderr: Double?
        enum CodingKeys: String, CodingKey {
            case alias, acc = "acc,none", accStderr = "acc_stderr,none", accNorm = "acc_norm,none", accNormStderr = "acc_norm_stderr,none"
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(alias, forKey: .alias)
            try c.encode(acc, forKey: .acc)
            try c.encode(accStderr, forKey: .accStderr)
            try c.encode(accNorm, forKey: .accNorm)
            try c.encode(accNormStderr, forKey: .accNormStderr)
        }
    }
    struct Metric: Encodable { var metric: String; var aggregation = "mean"; var higher_is_better = true }
    /// lm-eval's task `metadata`: which spiking setting this result is.
    struct TaskMetadata: Encodable { var timesteps: Int?; var threshold_source: String? }
    struct TaskConfig: Encodable {
        var task: String
        var dataset_path: String
        var output_type = "multiple_choice"
        var num_fewshot = 0
        var metric_list: [Metric]
        var metadata: TaskMetadata
    }
    struct Samples: Encodable { var original: Int; var effective: Int }
    struct RunConfig: Encodable {
        var model = "marsim"
        var model_args: String
        var batch_size = 1
        var limit: Int?
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(model, forKey: .model)
            try c.encode(model_args, forKey: .model_args)
            try c.encode(batch_size, forKey: .batch_size)
            try c.encode(limit, forKey: .limit)
        }
        enum CodingKeys: String, CodingKey { case model, model_args, batch_size, limit }
    }
    struct ModelBlock: Encodable {
        var acc: Double
        var acc_stderr: Double?
        var acc_norm: Double
        var acc_norm_stderr: Double?
        var items: Int
        var tokens: Int
        var spikes_per_token: Double
        var acs_per_token: Double
        var macs_per_token: Double
        /// Deprecated spellings of `acs_per_token` and `macs_per_token`, kept one release.
        var synaptic_ops_per_token: Double
        var dense_macs_per_token: Double
        var timesteps: Int?
        var neuron: String?
        var placement: String?
        var threshold_source: String?
        /// NeuroBench's workload metrics of this model's run, per token (docs/DESIGN.md §6).
        var neurobench: NeuroBenchMetrics
        /// Joules per token under each profile (`AggregateEnergy`).
        var energy: [AggregateEnergy]
    }
    /// One result's models side by side.
    struct RunBlock: Encodable {
        var task: String
        var dense: ModelBlock?
        var spiking: ModelBlock?
        var acc_difference: Double?
        var acc_norm_difference: Double?
    }
    struct MarsimBlock: Encodable {
        var version = MarsimCore.marsimVersion
        var command = "eval"
        /// FNV-1a 64 of the checkpoint's tensor files, hex (as traces and every `--json` record it).
        var checkpoint_hash: String
        /// Which model `results` reports.
        var reported_model: String
        /// Per result key (as in `results`).
        var runs: [String: RunBlock]
        /// With a single result, its blocks again at this level (deprecated: read `runs`).
        var dense: ModelBlock?
        var spiking: ModelBlock?
        var acc_difference: Double?
        var acc_norm_difference: Double?
    }

    var results: [String: TaskScores]
    var group_subtasks: [String: [String]]
    var configs: [String: TaskConfig]
    var versions: [String: Double]
    var nShot: [String: Int]
    var higherIsBetter: [String: [String: Bool]]
    var nSamples: [String: Samples]
    var config: RunConfig
    var marsim: MarsimBlock

    enum CodingKeys: String, CodingKey {
        case results, group_subtasks, configs, versions, nShot = "n-shot", higherIsBetter = "higher_is_better"
        case nSamples = "n-samples", config, marsim
    }

    /// acc, acc_norm and their standard errors from the items' log-likelihoods.
    static func scores(_ items: [EvalRunData.Item]) -> (acc: Double, accStderr: Double?, accNorm: Double, accNormStderr: Double?) {
        let correct = items.map { MultipleChoiceEvaluator.argmax($0.loglik) == $0.label ? 1.0 : 0.0 }
        let correctNorm = items.map { item in
            MultipleChoiceEvaluator.argmax(zip(item.loglik, item.choiceBytes).map { $0 / Double(max($1, 1)) }) == item.label ? 1.0 : 0.0
        }
        return (mean(correct), meanStderr(correct), mean(correctNorm), meanStderr(correctNorm))
    }

    static func mean(_ x: [Double]) -> Double { x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count) }

    /// lm-eval's `mean_stderr`: sample standard deviation (n − 1) ÷ √n; nil below 2 items.
    static func meanStderr(_ x: [Double]) -> Double? {
        guard x.count >= 2 else { return nil }
        let mu = mean(x)
        let variance = x.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(x.count - 1)
        return variance.squareRoot() / Double(x.count).squareRoot()
    }

    /// The result key of `task` at the `j`-th T (nil: the dense model alone).
    static func key(task: String, timesteps: [Int], index j: Int?) -> String {
        guard let j, timesteps.count > 1 else { return task }
        return "\(task)_T\(timesteps[j])"
    }

    public init(_ data: EvalRunData) throws {
        func block(_ model: EvalRunData.Model?, spikingAt j: Int?) throws -> ModelBlock? {
            guard let model else { return nil }
            let s = Self.scores(model.items)
            let total = model.unitTotals.reduce(ActivityCounts(), +)
            let n = Double(max(model.tokens, 1))
            let sites = j == nil ? [] : data.spikingSites
            return ModelBlock(acc: s.acc, acc_stderr: s.accStderr, acc_norm: s.accNorm, acc_norm_stderr: s.accNormStderr,
                              items: model.items.count, tokens: model.tokens, spikes_per_token: Double(total.spikes) / n,
                              acs_per_token: Double(total.synapticOps) / n, macs_per_token: Double(total.denseMACs) / n,
                              synaptic_ops_per_token: Double(total.synapticOps) / n, dense_macs_per_token: Double(total.denseMACs) / n,
                              timesteps: j.map { data.timesteps[$0] }, neuron: j == nil ? nil : data.neuron,
                              placement: j == nil ? nil : data.placement, threshold_source: j.map { data.thresholdSources[$0] },
                              neurobench: NeuroBenchMetrics(units: data.units, totals: model.unitTotals, denseBaseline: data.denseBaseline,
                                                            tokens: model.tokens, spikingSites: sites, timesteps: model.schedule.timesteps),
                              energy: try data.profiles.map {
                                  try EnergyModel.aggregate(profile: $0, unitTotals: model.unitTotals, tokens: max(model.tokens, 1),
                                                            units: data.units, denseBaseline: data.denseBaseline, schedule: model.schedule)
                              })
        }
        var runs: [String: RunBlock] = [:]
        results = [:]; group_subtasks = [:]; configs = [:]; versions = [:]; nShot = [:]; higherIsBetter = [:]; nSamples = [:]
        for task in data.tasks {
            let dense = try block(task.dense, spikingAt: nil)
            let settings: [Int?] = task.spiking.isEmpty ? [nil] : Array(task.spiking.indices)
            for j in settings {
                let spiking = try j.flatMap { try block(task.spiking[$0], spikingAt: $0) }
                guard let reported = spiking ?? dense else { throw StudyError("\(task.file): no model was scored") }
                let key = Self.key(task: task.name, timesteps: data.timesteps, index: j)
                results[key] = TaskScores(alias: key == task.name ? key : "\(task.name) (T=\(data.timesteps[j!]))", acc: reported.acc,
                                          accStderr: reported.acc_stderr, accNorm: reported.acc_norm, accNormStderr: reported.acc_norm_stderr)
                group_subtasks[key] = []
                configs[key] = TaskConfig(task: key, dataset_path: task.file, metric_list: [Metric(metric: "acc"), Metric(metric: "acc_norm")],
                                          metadata: TaskMetadata(timesteps: j.map { data.timesteps[$0] }, threshold_source: j.map { data.thresholdSources[$0] }))
                versions[key] = 1.0
                nShot[key] = 0
                higherIsBetter[key] = ["acc": true, "acc_norm": true]
                nSamples[key] = Samples(original: task.fileItems, effective: reported.items)
                runs[key] = RunBlock(task: task.name, dense: dense, spiking: spiking,
                                     acc_difference: dense.flatMap { d in spiking.map { $0.acc - d.acc } },
                                     acc_norm_difference: dense.flatMap { d in spiking.map { $0.acc_norm - d.acc_norm } })
            }
        }
        config = RunConfig(model_args: data.modelArgs, limit: data.limit)
        let only = runs.count == 1 ? runs.values.first : nil
        marsim = MarsimBlock(checkpoint_hash: data.checkpointHash, reported_model: data.timesteps.isEmpty ? "dense" : "spiking", runs: runs,
                             dense: only?.dense, spiking: only?.spiking, acc_difference: only?.acc_difference,
                             acc_norm_difference: only?.acc_norm_difference)
    }

    /// Pretty-printed, sorted keys: the same data gives the same bytes.
    public func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes `folder/results.json` (through a temporary file renamed over it).
    public static func write(_ data: EvalRunData, to folder: String) throws {
        try OutputTarget.createDirectories(folder)
        let path = folder + "/" + fileName
        try AtomicOutputFile.write(String(decoding: try EvalResultsFile(data).data(), as: UTF8.self) + "\n", to: path, label: "results file")
        note("wrote \(path)")
    }

    public static let fileName = "results.json"
}
