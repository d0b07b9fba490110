import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimReport
import MarsimStudy

/// An evaluation's item-level record: what `results.json` is computed from, for the whole task or
/// one shard of it. Accuracy is recomputed from the log-likelihoods (never averaged from shards'
/// accuracies), costs from integer totals (which shards add up exactly).
struct EvalRunData: Codable, Equatable {
    /// One item as one model scored it.
    struct Item: Codable, Equatable {
        /// The item's index in the task file (after --limit): its place in the merged order.
        var index: Int
        /// Per choice, Σ ln p(choice token | context + earlier choice tokens).
        var loglik: [Double]
        /// Per choice, its length in bytes (acc_norm divides by it).
        var choiceBytes: [Int]
        var label: Int
    }

    /// One model's items and work.
    struct Model: Codable, Equatable {
        var items: [Item]
        var tokens: Int
        /// Per accounting unit (`EvalRunData.units`), summed over every token stepped.
        var unitTotals: [ActivityCounts]
        var schedule: TickSchedule
    }

    /// The task's name (the task file's name without `.jsonl`).
    var task: String
    var tasksFile: String
    /// Items in the task file; `limit`: the --limit (nil: all).
    var fileItems: Int
    var limit: Int?
    /// lm-eval's `config.model_args`: checkpoint and spiking settings.
    var modelArgs: String
    var timesteps: Int?
    var placement: String?
    var thresholdSource: String?
    var units: [AccountingUnit]
    var denseBaseline: [ActivityCounts]
    var profiles: [HardwareProfile]
    var dense: Model?
    var spiking: Model?

    /// The shards' data as one run: items in task order, tokens and totals summed.
    static func merged(_ parts: [EvalRunData]) throws -> EvalRunData {
        var whole = parts[0]
        func merge(_ models: [Model?]) -> Model? {
            guard let first = models.first ?? nil else { return nil }
            var out = first
            for model in models.dropFirst() {
                guard let model else { continue }
                out.items += model.items
                out.tokens += model.tokens
                for u in out.unitTotals.indices { out.unitTotals[u] += model.unitTotals[u] }
            }
            out.items.sort { $0.index < $1.index }
            return out
        }
        for part in parts.dropFirst() where part.units != whole.units || part.denseBaseline != whole.denseBaseline
            || (part.dense == nil) != (whole.dense == nil) || (part.spiking == nil) != (whole.spiking == nil) {
            throw StudyError("eval shards disagree on the model's units or the models scored; they are not one study")
        }
        whole.dense = merge(parts.map(\.dense))
        whole.spiking = merge(parts.map(\.spiking))
        return whole
    }
}

/// `results.json`, shaped like lm-evaluation-harness's (`results.<task>."acc,none"`,
/// `"acc_stderr,none"`, `"acc_norm,none"`, `"acc_norm_stderr,none"`, `configs`, `versions`,
/// `n-shot`, `higher_is_better`, `n-samples`, `config`), with marsim's own block beside
/// (`marsim`: both models' scores and work, and joules per token under every profile).
///
/// `results` holds the spiking model's scores (the dense model's with `--mode dense`). Standard
/// errors are lm-eval's for a mean: the sample standard deviation (n − 1) ÷ √n. Nothing in it
/// depends on the time or machine, so a merged study's file equals the unsharded run's byte for byte.
struct EvalResultsFile: Encodable {
    struct TaskScores: Encodable {
        var alias: String
        var acc: Double
        var accStderr: Double?
        var accNorm: Double
        var accNormStderr: Double?
        enum CodingKeys: String, CodingKey {
            case alias, acc = "acc,none", accStderr = "acc_stderr,none", accNorm = "acc_norm,none", accNormStderr = "acc_norm_stderr,none"
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(alias, forKey: .alias)
            try c.encode(acc, forKey: .acc)
            try c.encode(accStderr, forKey: .accStderr)
            try c.encode(accNorm, forKey: .accNorm)
            try c.encode(accNormStderr, forKey: .accNormStderr)
        }
    }
    struct Metric: Encodable { var metric: String; var aggregation = "mean"; var higher_is_better = true }
    struct TaskConfig: Encodable {
        var task: String
        var dataset_path: String
        var output_type = "multiple_choice"
        var num_fewshot = 0
        var metric_list: [Metric]
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
        var placement: String?
        var threshold_source: String?
        /// Joules per token under each profile (`AggregateEnergy`).
        var energy: [AggregateEnergy]
    }
    struct MarsimBlock: Encodable {
        var version = MarsimCore.marsimVersion
        /// Which model `results` reports.
        var reported_model: String
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

    init(_ data: EvalRunData) throws {
        func block(_ model: EvalRunData.Model?, spiking: Bool) throws -> ModelBlock? {
            guard let model else { return nil }
            let s = Self.scores(model.items)
            let total = model.unitTotals.reduce(ActivityCounts(), +)
            let n = Double(max(model.tokens, 1))
            return ModelBlock(acc: s.acc, acc_stderr: s.accStderr, acc_norm: s.accNorm, acc_norm_stderr: s.accNormStderr,
                              items: model.items.count, tokens: model.tokens, spikes_per_token: Double(total.spikes) / n,
                              acs_per_token: Double(total.synapticOps) / n, macs_per_token: Double(total.denseMACs) / n,
                              synaptic_ops_per_token: Double(total.synapticOps) / n, dense_macs_per_token: Double(total.denseMACs) / n,
                              timesteps: spiking ? data.timesteps : nil, placement: spiking ? data.placement : nil,
                              threshold_source: spiking ? data.thresholdSource : nil,
                              energy: try data.profiles.map {
                                  try EnergyModel.aggregate(profile: $0, unitTotals: model.unitTotals, tokens: max(model.tokens, 1),
                                                            units: data.units, denseBaseline: data.denseBaseline, schedule: model.schedule)
                              })
        }
        let dense = try block(data.dense, spiking: false), spiking = try block(data.spiking, spiking: true)
        guard let reported = spiking ?? dense else { throw StudyError("\(data.tasksFile): no model was scored") }
        let task = data.task
        results = [task: TaskScores(alias: task, acc: reported.acc, accStderr: reported.acc_stderr, accNorm: reported.acc_norm,
                                    accNormStderr: reported.acc_norm_stderr)]
        group_subtasks = [task: []]
        configs = [task: TaskConfig(task: task, dataset_path: data.tasksFile, metric_list: [Metric(metric: "acc"), Metric(metric: "acc_norm")])]
        versions = [task: 1.0]
        nShot = [task: 0]
        higherIsBetter = [task: ["acc": true, "acc_norm": true]]
        nSamples = [task: Samples(original: data.fileItems, effective: reported.items)]
        config = RunConfig(model_args: data.modelArgs, limit: data.limit)
        marsim = MarsimBlock(reported_model: spiking == nil ? "dense" : "spiking", dense: dense, spiking: spiking,
                             acc_difference: dense.flatMap { d in spiking.map { $0.acc - d.acc } },
                             acc_norm_difference: dense.flatMap { d in spiking.map { $0.acc_norm - d.acc_norm } })
    }

    /// Pretty-printed, sorted keys: the same data gives the same bytes.
    func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes `folder/results.json` (through a temporary file renamed over it).
    static func write(_ data: EvalRunData, to folder: String) throws {
        try OutputTarget.createDirectories(folder)
        let path = folder + "/" + fileName
        try AtomicOutputFile.write(String(decoding: try EvalResultsFile(data).data(), as: UTF8.self) + "\n", to: path, label: "results file")
        note("wrote \(path)")
    }

    static let fileName = "results.json"
}

/// An eval split into shards: a shard writes its items' record (`eval-shard.json`) and its
/// manifest; the merge joins the records and writes the unsharded run's `results.json`.
enum EvalStudy {
    static let shardFile = "eval-shard.json"

    static func writeShard(_ data: EvalRunData, study: StudyIdentity, shard: ShardSpec, folder: String) throws {
        try OutputTarget.createDirectories(folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try AtomicOutputFile.write(String(decoding: try encoder.encode(data), as: UTF8.self), to: folder + "/" + shardFile, label: "shard results")
        try ShardManifest(study: study, shard: shard, folder: folder, files: [shardFile]).write(to: folder)
        note("wrote shard \(shard) of a \(study.units)-item eval to \(folder); merge with: marsim merge --out DIR SHARD_DIR...")
    }

    static func merge(_ set: ShardSet, out: String) throws {
        let parts = try set.members.map { member -> EvalRunData in
            let path = member.folder + "/" + shardFile
            guard member.manifest.files[shardFile] != nil else {
                throw StudyError("\(member.folder)/\(ShardManifest.fileName): lists no \(shardFile); not an eval shard")
            }
            do { return try JSONDecoder().decode(EvalRunData.self, from: try InputFile.read(path, label: "shard results")) } catch {
                throw StudyError("\(path): not an eval shard's results (\(CLIError.describe(error)))")
            }
        }
        let whole = try EvalRunData.merged(parts)
        for model in [whole.dense, whole.spiking].compactMap({ $0 }) where model.items.map(\.index) != Array(0..<set.study.units) {
            throw StudyError("the shards' items are not items 0…\(set.study.units - 1) once each")
        }
        try EvalResultsFile.write(whole, to: out)
    }
}

extension EvalCommand {
    /// Writes `folder/results.json`, or with `share` the shard's record and manifest.
    func writeOutput(to folder: String, checkpoint: Checkpoint, share: ShardSpec?,
                     results: (dense: EvaluationResult?, spiking: EvaluationResult?, schedule: TickSchedule?), report: Report,
                     items: (indices: [Int], tokenized: [TokenizedChoiceItem], inFile: Int, inStudy: Int),
                     profiles: [HardwareProfile]) throws {
        let pass = ForwardPass(model: checkpoint.model)
        func model(_ r: EvaluationResult?, _ schedule: TickSchedule) -> EvalRunData.Model? {
            r.map { r in
                EvalRunData.Model(items: zip(items.indices, zip(r.items, items.tokenized)).map { index, pair in
                    EvalRunData.Item(index: index, loglik: pair.0.loglik, choiceBytes: pair.1.choiceBytes, label: pair.0.label)
                }, tokens: r.tokens, unitTotals: r.unitTotals, schedule: schedule)
            }
        }
        let data = EvalRunData(
            task: URL(fileURLWithPath: tasks).deletingPathExtension().lastPathComponent, tasksFile: tasks, fileItems: items.inFile,
            limit: limit, modelArgs: modelArguments(checkpoint: checkpoint, thresholdSource: report.threshold_source),
            timesteps: report.timesteps, placement: report.placement, thresholdSource: report.threshold_source,
            units: pass.index.units, denseBaseline: pass.denseCountsPerToken(), profiles: profiles,
            dense: model(results.dense, TickSchedule(sitesPerToken: 0, timesteps: 1, tickPeriodMs: 1)),
            spiking: results.schedule.flatMap { model(results.spiking, $0) })
        if let share {
            try EvalStudy.writeShard(data, study: try studyIdentity(checkpoint: checkpoint, profiles: profiles, items: items.inStudy),
                                     shard: share, folder: folder)
        } else {
            try EvalResultsFile.write(data, to: folder)
        }
    }

    /// lm-eval's `model_args` for this run: the checkpoint and the spiking settings.
    func modelArguments(checkpoint: Checkpoint, thresholdSource: String?) -> String {
        var args = ["checkpoint=\(checkpoint.directory.path)", "mode=\(mode.rawValue)", "chunk=\(execution.chunk)"]
        if mode != .dense {
            args += ["timesteps=\(spiking.timesteps)", "tau=\(spiking.tau)", "placement=\(spiking.placement)",
                     "thresholds=\(thresholdSource ?? "")"]
        }
        return args.joined(separator: ",")
    }

    /// The eval this command runs, whatever shard of it: the task file's content, the item count,
    /// the checkpoint's and profiles' content, and every setting that changes a score or a cost.
    func studyIdentity(checkpoint: Checkpoint, profiles: [HardwareProfile], items: Int) throws -> StudyIdentity {
        let sidecar = checkpoint.directory.appendingPathComponent(ThresholdSet.sidecarName).path
        var p: [String: String] = [
            "checkpoint_digest": checkpoint.identity().contentHash,
            "tasks_digest": try ContentDigest.ofFile(tasks),
            "limit": limit.map(String.init) ?? "all",
            "mode": mode.rawValue,
            "chunk": String(execution.chunk),
            "delivery": execution.delivery.rawValue,
        ]
        if mode != .dense {
            p["timesteps"] = String(spiking.timesteps)
            p["tau"] = "\(spiking.tau)"
            p["neuron"] = "\(spiking.neuron) reset \(spiking.reset.rawValue) spike_bits \(spiking.spikeBits)"
            p["placement"] = spiking.placement
            p["thresholds_digest"] = try spiking.thresholds.map(ContentDigest.ofFile)
                ?? (FileManager.default.fileExists(atPath: sidecar) ? "sidecar " + ContentDigest.ofFile(sidecar) : "none")
            p["calibration_text_digest"] = try spiking.calibrationText.map(ContentDigest.ofFile) ?? "none"
            p["calibration"] = "\(spiking.calibrationRule.rawValue) q \(spiking.calibrationQuantile) skip \(spiking.calibrationSkip) limit \(spiking.calibrationLimit)"
            p["calibration_output_rule"] = spiking.learning.settings.summary
            p["threshold"] = "\(spiking.threshold.map { "\($0)" } ?? "default calibration") scale \(spiking.thresholdScale)"
        }
        p["profiles"] = try profiles.map { "\($0.name)=" + (try $0.file.map(ContentDigest.ofFile) ?? "built-in") }.joined(separator: ",")
        return StudyIdentity(kind: "eval", parameters: p, units: items)
    }
}
