import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimReport

/// An eval run here: every task's chosen items scored by the dense model once and by the spiking
/// model once per T, thresholds resolved once per T. What `marsim eval` runs after parsing.
public struct EvalRun {
    public var checkpoint: Checkpoint
    public var tasks: [EvalTask]
    /// Per task, the indices of the items scored (a shard's share, or all: `EvalTask.share`).
    public var chosen: [[Int]]
    /// Score the dense model; score the spiking model at each of `timesteps` (empty: not at all).
    public var scoresDense: Bool
    public var timesteps: [Int]
    /// The placement specification (e.g. `all`).
    public var placement: String
    /// The neuron model's parameters at T.
    public var parameters: (Int) -> NeuronParameters
    /// The thresholds at T for these sites; the input is the whole study's contexts (never a
    /// shard's), for a default calibration that falls back to them, so shards calibrate alike.
    public var thresholds: (_ timesteps: Int, _ sites: [AccountingUnit], _ input: DefaultCalibration.Input) throws -> ThresholdSet
    public var chunk: Int
    public var threads: Int
    public var delivery: EventDelivery
    public var columnCache: ColumnCache?

    public init(checkpoint: Checkpoint, tasks: [EvalTask], chosen: [[Int]], scoresDense: Bool, timesteps: [Int], placement: String,
                parameters: @escaping (Int) -> NeuronParameters,
                thresholds: @escaping (Int, [AccountingUnit], DefaultCalibration.Input) throws -> ThresholdSet,
                chunk: Int, threads: Int, delivery: EventDelivery, columnCache: ColumnCache?) {
        self.checkpoint = checkpoint
        self.tasks = tasks
        self.chosen = chosen
        self.scoresDense = scoresDense
        self.timesteps = timesteps
        self.placement = placement
        self.parameters = parameters
        self.thresholds = thresholds
        self.chunk = chunk
        self.threads = threads
        self.delivery = delivery
        self.columnCache = columnCache
    }

    /// The spiking model at one T: its thresholds and its result on every task.
    public struct SpikingPass {
        public var timesteps: Int
        public var thresholdSource: String
        public var schedule: TickSchedule
        public var results: [EvaluationResult]
    }

    /// What a run produced: per task the dense results, per T the spiking pass, and their report.
    public struct Outcome {
        public var dense: [EvaluationResult]?
        public var spiking: [SpikingPass]
        public var placement: Placement?
        /// The spiking model's neuron label, e.g. `graded (spike_bits=4)`.
        public var neuron: String
        public var report: EvalReport
        /// The forward pass's accounting units and one dense token's counts per unit.
        public var units: [AccountingUnit]
        public var denseBaseline: [ActivityCounts]
    }

    /// Scores every model; `loadSeconds` is the time already spent loading (checkpoint, tasks).
    public func run(loadSeconds initialLoad: Double = 0) throws -> Outcome {
        var stopwatch = Stopwatch()
        var loadSeconds = initialLoad, runSeconds = 0.0
        let pass = ForwardPass(model: checkpoint.model)
        let (units, denseBaseline) = (pass.index.units, pass.denseCountsPerToken())
        let scored = chosen.map(\.count).reduce(0, +)
        var progress = ProgressLine(label: "eval", total: scored * ((scoresDense ? 1 : 0) + timesteps.count), minimumTotal: 2)
        var done = 0
        /// One model over every task's chosen items.
        func evaluate<R: ProjectionRunner>(_ evaluator: MultipleChoiceEvaluator, _ makeRunner: () throws -> R) throws -> [EvaluationResult] {
            try zip(tasks, chosen).map { task, indices in
                let result = try evaluator.evaluate(indices.map { task.items[$0] }, makeRunner: makeRunner,
                                                    progress: { progress.update(done + $0) })
                done += indices.count
                return result
            }
        }
        loadSeconds += stopwatch.lap()
        var dense: [EvaluationResult]?
        if scoresDense {
            let model = try checkpoint.model.preparedForRun(spikingSites: [], cache: columnCache, progress: note)
            loadSeconds += stopwatch.lap()
            dense = try evaluate(MultipleChoiceEvaluator(model: model, chunk: chunk)) { DenseRunner(threads: threads) }
            runSeconds += stopwatch.lap()
        }
        var passes: [SpikingPass] = []
        var placement: Placement?
        if !timesteps.isEmpty {
            let sites = try Placement(self.placement, shape: checkpoint.model.shape)
            placement = sites
            let model = try checkpoint.model.preparedForRun(spikingSites: sites.sites, cache: columnCache, progress: note)
            let evaluator = MultipleChoiceEvaluator(model: model, chunk: chunk)
            let contexts = DefaultCalibration.Input(ids: tasks.flatMap { $0.items.flatMap(\.context) }, name: "the task contexts", file: nil)
            for t in timesteps {
                let thresholds = try self.thresholds(t, sites.sites, contexts)
                loadSeconds += stopwatch.lap()
                let results = try evaluate(evaluator) {
                    var runner = try SpikingRunner(model: model, placement: sites, thresholds: thresholds, parameters: parameters(t), threads: threads)
                    runner.delivery = delivery
                    return runner
                }
                passes.append(SpikingPass(timesteps: t, thresholdSource: thresholds.source,
                                          schedule: TickSchedule(sitesPerToken: sites.sites.count, timesteps: t, tickPeriodMs: 1), results: results))
                runSeconds += stopwatch.lap()
            }
        }
        progress.finish()
        let neuron = try NeuronRegistry.make(parameters(timesteps.first ?? 1)).record.label
        var runs: [EvalReport.Run] = []
        for (k, task) in tasks.enumerated() {
            let denseScores = dense.map { EvalReport.ModelScores($0[k], units: units, denseBaseline: denseBaseline, spikingSites: [], timesteps: 1) }
            let base = EvalReport.Run(tasks: task.file, task: task.name, items: chosen[k].count, dense: denseScores)
            if passes.isEmpty { runs.append(base) }
            for p in passes {
                var run = base
                run.timesteps = p.timesteps
                run.neuron = neuron
                run.placement = placement?.specification
                run.threshold_source = p.thresholdSource
                run.spiking = EvalReport.ModelScores(p.results[k], units: units, denseBaseline: denseBaseline,
                                                     spikingSites: placement?.sites ?? [], timesteps: p.timesteps)
                if let d = run.dense, let s = run.spiking {
                    run.acc_difference = s.acc - d.acc
                    run.acc_norm_difference = s.acc_norm - d.acc_norm
                }
                runs.append(run)
            }
        }
        for run in runs {
            for (name, scores) in [("dense", run.dense), ("spiking", run.spiking)] {
                guard let scores else { continue }
                let bad = scores.items.filter { !$0.loglik.allSatisfy(\.isFinite) }.count
                if bad > 0 {
                    throw CLIError("\(run.tasks): the \(name) model gives non-finite log-likelihoods (NaN or ±inf) for \(bad) of "
                                   + "\(scores.items.count) items: its logits are not finite, so accuracy would be meaningless")
                }
            }
        }
        let tokens = (dense ?? []).map(\.tokens).reduce(0, +) + passes.flatMap(\.results).map(\.tokens).reduce(0, +)
        return Outcome(dense: dense, spiking: passes, placement: placement, neuron: neuron,
                       report: EvalReport(runs: runs, timing: RunTiming(load: loadSeconds, run: runSeconds, tokens: tokens)),
                       units: units, denseBaseline: denseBaseline)
    }

    /// The item-level record of an outcome (a shard's share of the study, or all of it).
    public func runData(_ outcome: Outcome, limit: Int?, modelArgs: String, profiles: [HardwareProfile]) -> EvalRunData {
        func model(_ r: EvaluationResult, task k: Int, _ schedule: TickSchedule) -> EvalRunData.Model {
            EvalRunData.Model(items: zip(chosen[k], r.items).map { index, scored in
                EvalRunData.Item(index: index, loglik: scored.loglik, choiceBytes: tasks[k].items[index].choiceBytes, label: scored.label)
            }, tokens: r.tokens, unitTotals: r.unitTotals, schedule: schedule)
        }
        let denseSchedule = TickSchedule(sitesPerToken: 0, timesteps: 1, tickPeriodMs: 1)
        let records = tasks.indices.map { k in
            EvalRunData.Task(name: tasks[k].name, file: tasks[k].file, fileItems: tasks[k].fileItems, studyItems: tasks[k].items.count,
                             dense: outcome.dense.map { model($0[k], task: k, denseSchedule) },
                             spiking: outcome.spiking.map { model($0.results[k], task: k, $0.schedule) })
        }
        let spiking = !outcome.spiking.isEmpty
        return EvalRunData(tasks: records, limit: limit, modelArgs: modelArgs, checkpointHash: checkpoint.identity(cache: columnCache).contentHash,
                           timesteps: outcome.spiking.map(\.timesteps), thresholdSources: outcome.spiking.map(\.thresholdSource),
                           neuron: spiking ? outcome.neuron : nil, placement: spiking ? outcome.placement?.specification : nil,
                           spikingSites: spiking ? outcome.placement?.sites ?? [] : [], units: outcome.units,
                           denseBaseline: outcome.denseBaseline, profiles: profiles)
    }
}
