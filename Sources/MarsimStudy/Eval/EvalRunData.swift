import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimReport

/// An evaluation's item-level record: what `results.json` is computed from, for the whole study or
/// one shard of it. Accuracy is recomputed from the log-likelihoods (never averaged from shards'
/// accuracies), costs from integer totals (which shards add up exactly).
public struct EvalRunData: Codable, Equatable {
    /// One item as one model scored it.
    public struct Item: Codable, Equatable {
        /// The item's index in its task (after --limit): its place in the merged order.
        public var index: Int
        /// Per choice, Σ ln p(choice token | context + earlier choice tokens).
        public var loglik: [Double]
        /// Per choice, its length in bytes (acc_norm divides by it).
        public var choiceBytes: [Int]
        public var label: Int

        public init(index: Int, loglik: [Double], choiceBytes: [Int], label: Int) {
            self.index = index
            self.loglik = loglik
            self.choiceBytes = choiceBytes
            self.label = label
        }
    }

    /// One model's items and work on one task.
    public struct Model: Codable, Equatable {
        public var items: [Item]
        public var tokens: Int
        /// Per accounting unit (`EvalRunData.units`), summed over every token stepped.
        public var unitTotals: [ActivityCounts]
        public var schedule: TickSchedule

        public init(items: [Item], tokens: Int, unitTotals: [ActivityCounts], schedule: TickSchedule) {
            self.items = items
            self.tokens = tokens
            self.unitTotals = unitTotals
            self.schedule = schedule
        }
    }

    /// One task: the dense model's record and the spiking model's at each of `timesteps`.
    public struct Task: Codable, Equatable {
        /// The task's name (the task file's name without `.jsonl`) and its file.
        public var name: String
        public var file: String
        /// Items in the task file, and in the study (after --limit).
        public var fileItems: Int
        public var studyItems: Int
        public var dense: Model?
        /// Parallel to `EvalRunData.timesteps`.
        public var spiking: [Model]

        public init(name: String, file: String, fileItems: Int, studyItems: Int, dense: Model?, spiking: [Model]) {
            self.name = name
            self.file = file
            self.fileItems = fileItems
            self.studyItems = studyItems
            self.dense = dense
            self.spiking = spiking
        }
    }

    public var tasks: [Task]
    /// The --limit (nil: all).
    public var limit: Int?
    /// lm-eval's `config.model_args`: checkpoint and spiking settings.
    public var modelArgs: String
    public var checkpointHash: String
    /// The spiking model's T's, and the threshold source at each (empty with --mode dense).
    public var timesteps: [Int]
    public var thresholdSources: [String]
    public var neuron: String?
    public var placement: String?
    public var spikingSites: [AccountingUnit]
    public var units: [AccountingUnit]
    public var denseBaseline: [ActivityCounts]
    public var profiles: [HardwareProfile]

    public init(tasks: [Task], limit: Int?, modelArgs: String, checkpointHash: String, timesteps: [Int], thresholdSources: [String],
                neuron: String?, placement: String?, spikingSites: [AccountingUnit], units: [AccountingUnit],
                denseBaseline: [ActivityCounts], profiles: [HardwareProfile]) {
        self.tasks = tasks
        self.limit = limit
        self.modelArgs = modelArgs
        self.checkpointHash = checkpointHash
        self.timesteps = timesteps
        self.thresholdSources = thresholdSources
        self.neuron = neuron
        self.placement = placement
        self.spikingSites = spikingSites
        self.units = units
        self.denseBaseline = denseBaseline
        self.profiles = profiles
    }

    /// The shards' data as one run: items in task order, tokens and totals summed.
    public static func merged(_ parts: [EvalRunData]) throws -> EvalRunData {
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
