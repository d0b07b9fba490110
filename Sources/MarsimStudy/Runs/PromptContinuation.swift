import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport

/// What `marsim generate` does once its options are parsed: prepare the dense or the spiking
/// model, then decode a greedy continuation of the prompt (`GreedyGeneration`).
public enum PromptContinuation {
    /// The spiking model to decode with (nil: the dense model).
    public struct Spiking {
        public var placement: Placement
        public var thresholds: ThresholdSet
        public var parameters: NeuronParameters
        public var delivery: EventDelivery

        public init(placement: Placement, thresholds: ThresholdSet, parameters: NeuronParameters, delivery: EventDelivery) {
            self.placement = placement
            self.thresholds = thresholds
            self.parameters = parameters
            self.delivery = delivery
        }
    }

    /// The continuation's ids, how long prefill and decode took, and the load time.
    public struct Result {
        public var ids: [Int]
        public var timing: GreedyGeneration.Timing
        /// From `stopwatch`'s last lap (the caller starts it before loading the checkpoint) to the model being ready.
        public var loadSeconds: Double
    }

    /// Prepares the model (its spiking sites from the column cache) and decodes `count` tokens after `prompt`.
    public static func run(checkpoint: Checkpoint, prompt: [Int], count: Int, spiking: Spiking?, threads: Int, chunk: Int,
                           columnCache: ColumnCache?, stopwatch: inout Stopwatch) throws -> Result {
        var timing = GreedyGeneration.Timing()
        let ids: [Int]
        let loadSeconds: Double
        if let spiking {
            let model = try checkpoint.model.preparedForRun(spikingSites: spiking.placement.sites, cache: columnCache, progress: note)
            var runner = try SpikingRunner(model: model, placement: spiking.placement, thresholds: spiking.thresholds,
                                           parameters: spiking.parameters, threads: threads)
            runner.delivery = spiking.delivery
            loadSeconds = stopwatch.lap()
            ids = try GreedyGeneration.continuation(model: model, prompt: prompt, count: count, runner: &runner,
                                                    chunk: chunk, timing: { timing = $0 })
        } else {
            var runner = DenseRunner(threads: threads)
            let model = try checkpoint.model.preparedForRun(spikingSites: [], cache: columnCache, progress: note)
            loadSeconds = stopwatch.lap()
            ids = try GreedyGeneration.continuation(model: model, prompt: prompt, count: count, runner: &runner,
                                                    chunk: chunk, timing: { timing = $0 })
        }
        return Result(ids: ids, timing: timing, loadSeconds: loadSeconds)
    }
}
