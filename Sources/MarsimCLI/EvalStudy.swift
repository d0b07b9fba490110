import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimReport
import MarsimStudy

/// One task of an eval: its file and its items (after `--limit`), tokenized for the checkpoint.
struct EvalTask {
    /// The task's name: the file's name without `.jsonl` (lm-eval's task key).
    var name: String
    var file: String
    /// Items in the file, and the study's items (the first `--limit` of them).
    var fileItems: Int
    var items: [TokenizedChoiceItem]

    static func name(of file: String) -> String { URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent }

    static func load(_ file: String, limit: Int?, checkpoint: Checkpoint) throws -> EvalTask {
        let all = try MultipleChoiceItem.load(jsonl: URL(fileURLWithPath: file))
        let items = limit.map { Array(all.prefix($0)) } ?? all
        return EvalTask(name: name(of: file), file: file, fileItems: all.count,
                        items: try items.map { try TextEncoding.tokenizeChoiceItem($0, checkpoint: checkpoint) })
    }

    /// Per task, the indices of the items a shard scores (all without one): the study's work units
    /// are every task's items in order, task after task, so shards share tasks as well as items.
    static func share(of tasks: [EvalTask], shard: ShardSpec?) -> [[Int]] {
        var start = 0
        return tasks.map { task in
            defer { start += task.items.count }
            return task.items.indices.filter { shard?.owns(start + $0) ?? true }
        }
    }
}

/// An evaluation's item-level record: what `results.json` is computed from, for the whole study or
/// one shard of it. Accuracy is recomputed from the log-likelihoods (never averaged from shards'
/// accuracies), costs from integer totals (which shards add up exactly).
struct EvalRunData: Codable, Equatable {
    /// One item as one model scored it.
    struct Item: Codable, Equatable {
        /// The item's index in its task (after --limit): its place in the merged order.
        var index: Int
        /// Per choice, Σ ln p(choice token | context + earlier choice tokens).
        var loglik: [Double]
        /// Per choice, its length in bytes (acc_norm divides by it).
        var choiceBytes: [Int]
        var label: Int
    }

    /// One model's items and work on one task.
    struct Model: Codable, Equatable {
        var items: [Item]
        var tokens: Int
        /// Per accounting unit (`EvalRunData.units`), summed over every token stepped.
        var unitTotals: [ActivityCounts]
        var schedule: TickSchedule
    }

    /// One task: the dense model's record and the spiking model's at each of `timesteps`.
    struct Task: Codable, Equatable {
        /// The task's name (the task file's name without `.jsonl`) and its file.
        var name: String
        var file: String
        /// Items in the task file, and in the study (after --limit).
        var fileItems: Int
        var studyItems: Int
        var dense: Model?
        /// Parallel to `EvalRunData.timesteps`.
        var spiking: [Model]
    }

    var tasks: [Task]
    /// The --limit (nil: all).
    var limit: Int?
    /// lm-eval's `config.model_args`: checkpoint and spiking settings.
    var modelArgs: String
    var checkpointHash: String
    /// The spiking model's T's, and the threshold source at each (empty with --mode dense).
    var timesteps: [Int]
    var thresholdSources: [String]
    var neuron: String?
    var placement: String?
    var spikingSites: [AccountingUnit]
    var units: [AccountingUnit]
    var denseBaseline: [ActivityCounts]
    var profiles: [HardwareProfile]

    /// The shards' data as one run: items in task order, tokens and totals summed.
    static func merged(_ parts: [EvalRunData]) throws -> EvalRunData {
        var whole = parts[0]
        func merge(_ a: Model, _ b: Model) -> Model {
            var out = a
            out.items = (out.items + b.items).sorted { $0.index < $1.index }
            out.tokens += b.tokens
            for u in out.unitTotals.indices { out.unitTotals[u] += b.unitTotals[u] }
            return out
        }
        for part in parts.dropFirst() {
            guard part.units == whole.units, part.denseBaseline == whole.denseBaseline, part.timesteps == whole.timesteps,
                  part.tasks.map(\.name) == whole.tasks.map(\.name),
                  zip(part.tasks, whole.tasks).allSatisfy({ ($0.dense == nil) == ($1.dense == nil) && $0.spiking.count == $1.spiking.count })
            else { throw StudyError("eval shards disagree on the tasks, the model's units or the models scored; they are not one study") }
            for k in whole.tasks.indices {
                let other = part.tasks[k]
                if let d = whole.tasks[k].dense, let e = other.dense { whole.tasks[k].dense = merge(d, e) }
                for j in whole.tasks[k].spiking.indices { whole.tasks[k].spiking[j] = merge(whole.tasks[k].spiking[j], other.spiking[j]) }
            }
        }
        return whole
    }
}

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

    init(_ data: EvalRunData) throws {
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
        for task in whole.tasks {
            for model in [task.dense].compactMap({ $0 }) + task.spiking where model.items.map(\.index) != Array(0..<task.studyItems) {
                throw StudyError("the shards' items of task \(task.name) are not items 0…\(task.studyItems - 1) once each")
            }
        }
        try EvalResultsFile.write(whole, to: out)
    }
}

extension EvalCommand {
    /// The item-level record of this run (a shard's share of the study, or all of it).
    func runData(checkpoint: Checkpoint, tasks: [EvalTask], chosen: [[Int]], dense: [EvaluationResult]?, spiking: [SpikingPass],
                 placement: Placement?, neuron: String, profiles: [HardwareProfile]) -> EvalRunData {
        let pass = ForwardPass(model: checkpoint.model)
        func model(_ r: EvaluationResult, task k: Int, _ schedule: TickSchedule) -> EvalRunData.Model {
            EvalRunData.Model(items: zip(chosen[k], r.items).map { index, scored in
                EvalRunData.Item(index: index, loglik: scored.loglik, choiceBytes: tasks[k].items[index].choiceBytes, label: scored.label)
            }, tokens: r.tokens, unitTotals: r.unitTotals, schedule: schedule)
        }
        let denseSchedule = TickSchedule(sitesPerToken: 0, timesteps: 1, tickPeriodMs: 1)
        let records = tasks.indices.map { k in
            EvalRunData.Task(name: tasks[k].name, file: tasks[k].file, fileItems: tasks[k].fileItems, studyItems: tasks[k].items.count,
                             dense: dense.map { model($0[k], task: k, denseSchedule) },
                             spiking: spiking.map { model($0.results[k], task: k, $0.schedule) })
        }
        let sources = spiking.map(\.thresholdSource)
        return EvalRunData(tasks: records, limit: limit, modelArgs: modelArguments(checkpoint: checkpoint, thresholdSources: sources),
                           checkpointHash: checkpoint.identity().contentHash, timesteps: spiking.map(\.timesteps),
                           thresholdSources: sources, neuron: spiking.isEmpty ? nil : neuron,
                           placement: spiking.isEmpty ? nil : placement?.specification, spikingSites: spiking.isEmpty ? [] : placement?.sites ?? [],
                           units: pass.index.units, denseBaseline: pass.denseCountsPerToken(), profiles: profiles)
    }

    /// Writes `folder/results.json`, or with `share` the shard's record and manifest.
    func writeOutput(_ data: EvalRunData, to folder: String, checkpoint: Checkpoint, share: ShardSpec?,
                     profiles: [HardwareProfile], studyItems: Int) throws {
        if let share {
            try EvalStudy.writeShard(data, study: try studyIdentity(checkpoint: checkpoint, profiles: profiles, items: studyItems),
                                     shard: share, folder: folder)
        } else {
            try EvalResultsFile.write(data, to: folder)
        }
    }

    /// lm-eval's `model_args` for this run: the checkpoint and the spiking settings (with several
    /// T's, `timesteps=2|4|8`, each result's threshold source in its config's `metadata`).
    func modelArguments(checkpoint: Checkpoint, thresholdSources: [String]) -> String {
        var args = ["checkpoint=\(checkpoint.directory.path)", "mode=\(mode.rawValue)", "chunk=\(execution.chunk)"]
        if mode != .dense {
            args += ["timesteps=" + spiking.timestepList.values.map(String.init).joined(separator: "|"), "tau=\(spiking.tau)",
                     "neuron=\(spiking.neuron)", "placement=\(spiking.placement)"]
            if thresholdSources.count == 1 { args.append("thresholds=\(thresholdSources[0])") }
        }
        return args.joined(separator: ",")
    }

    /// The eval this command runs, whatever shard of it: the task files' content, the item count,
    /// the checkpoint's and profiles' content, and every setting that changes a score or a cost.
    func studyIdentity(checkpoint: Checkpoint, profiles: [HardwareProfile], items: Int) throws -> StudyIdentity {
        let sidecar = checkpoint.directory.appendingPathComponent(ThresholdSet.sidecarName).path
        var p: [String: String] = [
            "checkpoint_digest": checkpoint.identity().contentHash,
            "tasks_digest": try taskFiles.map { EvalTask.name(of: $0) + "=" + (try ContentDigest.ofFile($0)) }.joined(separator: ","),
            "limit": limit.map(String.init) ?? "all",
            "mode": mode.rawValue,
            "chunk": String(execution.chunk),
            "delivery": execution.delivery.rawValue,
        ]
        if mode != .dense {
            p["timesteps"] = spiking.timestepList.description
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
