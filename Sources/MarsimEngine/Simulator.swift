import Foundation
import MarsimCheckpoint
import MarsimCore

/// The settings of one simulation run.
public struct SimulationSettings: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case dense, spiking }

    public var mode: Mode
    public var parameters: ATMNParameters
    public var placement: Placement
    public var thresholds: ThresholdSet
    /// Worker threads for large projections; results do not depend on it.
    public var threads: Int
    /// Duration of one tick, for trace timestamps and latency (milliseconds).
    public var tickPeriodMs: Double
    /// Work below which a projection stays on one thread (tests lower it to exercise the split).
    public var minimumParallelWork: Int = 1 << 18
    /// Known tokens run layer by layer in chunks of this many (1: token by token, as decoding does).
    public var chunk: Int = ChunkPlan.defaultChunk
    /// How spiking sites deliver their events within a chunk.
    public var delivery: EventDelivery = .auto
    /// Where column-major copies of spiking projections are cached (nil: transposed in memory).
    public var columnCache: ColumnCache? = nil

    public init(mode: Mode, parameters: ATMNParameters, placement: Placement, thresholds: ThresholdSet,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, tickPeriodMs: Double = 1) {
        self.mode = mode
        self.parameters = parameters
        self.placement = placement
        self.thresholds = thresholds
        self.threads = threads
        self.tickPeriodMs = tickPeriodMs
    }

    /// The spiking sites of this run (none in dense mode).
    public var spikingSites: [AccountingUnit] { mode == .spiking ? placement.sites : [] }
}

/// Totals of a finished (or interrupted) run.
public struct SimulationSummary: Sendable {
    public var tokens: Int
    public var units: [AccountingUnit]
    /// Per unit, summed over tokens.
    public var countsPerUnit: [ActivityCounts]
    /// Per token, every unit summed.
    public var countsPerToken: [ActivityCounts]
    /// Per token fidelity (positions 0 … n−1; the last has no next token).
    public var fidelity: [TokenFidelity]
    /// Bytes of each predicted next token (for bits per byte), or nil when unknown.
    public var nextTokenBytes: [Int]?

    /// All units, all tokens.
    public var total: ActivityCounts { countsPerUnit.reduce(ActivityCounts(), +) }
    /// spikes ÷ neuron updates (0 when nothing spikes).
    public var firingRate: Double { total.neuronUpdates == 0 ? 0 : Double(total.spikes) / Double(total.neuronUpdates) }
    public var klMean: Double { fidelity.isEmpty ? 0 : fidelity.map(\.klNats).reduce(0, +) / Double(fidelity.count) }
    public var top1Agreement: Double { fidelity.isEmpty ? 1 : Double(fidelity.filter(\.top1Agrees).count) / Double(fidelity.count) }

    /// Σ −log2 p(next) ÷ Σ bytes(next) over positions with a next token, for the dense or spiking model.
    public func bitsPerByte(spiking: Bool) -> Double? {
        guard let bytes = nextTokenBytes else { return nil }
        var bits = 0.0, count = 0
        for (t, f) in fidelity.enumerated() {
            guard let nll = spiking ? f.spikingNLL : f.denseNLL, t < bytes.count else { continue }
            bits += nll / log(2.0)
            count += bytes[t]
        }
        return count == 0 ? nil : bits / Double(count)
    }
}

/// Runs a model over a token sequence, dense or spiking, with the dense model beside a spiking run
/// so every position's fidelity is known.
///
/// The tokens are known in advance, so they run in chunks (`SimulationSettings.chunk`), each layer
/// over a whole chunk; the spiking model and the dense reference each carry their own recurrent
/// state from chunk to chunk. `onToken` receives each token's activity (counts per unit, spikes per
/// site, fidelity) and the run's logits (the spiking ones in spiking mode), in order.
public final class Simulator {
    /// The model as loaded.
    public let model: LanguageModel
    public let settings: SimulationSettings
    public let pass: ForwardPass
    /// The model the run computes with (`LanguageModel.preparedForRun`): spiking projections
    /// column-major (mapped from the column cache or transposed), and with a cache every fp32
    /// projection too; the dense reference uses the same model, so one copy of the weights is read.
    public let runModel: LanguageModel
    /// The neuron model of the spiking sites (`settings.parameters.model`, checked when the simulator is made).
    public let neuron: any NeuronModel

    public init(model: LanguageModel, settings: SimulationSettings, progress: (String) -> Void = { _ in }) throws {
        self.model = model
        self.settings = settings
        self.neuron = try NeuronRegistry.make(settings.parameters)
        self.runModel = try model.preparedForRun(spikingSites: settings.spikingSites, cache: settings.columnCache, progress: progress)
        runModel.populateMappedWeights(threads: settings.threads)
        self.pass = ForwardPass(model: runModel, threads: settings.threads)
    }

    /// Counts of one token run fully dense, per unit: the dense baseline (computed on first use by
    /// one dense decode step, then remembered; it does not depend on the token).
    public func denseBaseline() -> [ActivityCounts] {
        if let cachedDenseBaseline { return cachedDenseBaseline }
        let counts = pass.denseCountsPerToken()
        cachedDenseBaseline = counts
        return counts
    }

    private var cachedDenseBaseline: [ActivityCounts]?

    /// The tick schedule of this run.
    public var schedule: TickSchedule {
        TickSchedule(sitesPerToken: settings.spikingSites.count, timesteps: settings.parameters.timesteps,
                     tickPeriodMs: settings.tickPeriodMs)
    }

    /// A spiking runner with this run's settings.
    public func makeSpikingRunner() throws -> SpikingRunner {
        var runner = try SpikingRunner(model: runModel, placement: settings.placement, thresholds: settings.thresholds,
                                       parameters: settings.parameters, threads: settings.threads,
                                       minimumParallelWork: settings.minimumParallelWork)
        runner.delivery = settings.delivery
        return runner
    }

    /// Runs `tokens`; `bytesOfToken` gives each token's length in bytes for bits per byte (nil: not reported).
    /// `onToken` may throw to stop the run: errors for which `stopping` returns true end the run
    /// quietly with the summary of the tokens completed so far; any other error propagates.
    public func run(tokens: [Int], bytesOfToken: ((Int) -> Int)?,
                    onToken: (TokenActivity, [Float]) throws -> Void,
                    stopping: (Error) -> Bool = { _ in false }) throws -> SimulationSummary {
        let units = pass.index.units
        var summary = SimulationSummary(tokens: 0, units: units, countsPerUnit: Array(repeating: ActivityCounts(), count: units.count),
                                        countsPerToken: [], fidelity: [], nextTokenBytes: bytesOfToken.map { f in
                                            tokens.dropFirst().map(f) })
        var denseState = RecurrentState(shape: model.shape)
        var denseRunner = DenseRunner(threads: settings.threads, minimumParallelWork: settings.minimumParallelWork)
        var spikingState = RecurrentState(shape: model.shape)
        var spikingRunner: SpikingRunner? = settings.mode == .spiking ? try makeSpikingRunner() : nil
        for range in ChunkPlan(count: tokens.count, chunk: settings.chunk).ranges {
            let chunk = Array(tokens[range])
            let dense: ChunkOutput, spiking: ChunkOutput?
            if spikingRunner != nil && chunk.count > 1 {
                // Both models in one pass: each projection's weights read once for the two.
                (dense, spiking) = pass.runPaired(chunk, dense: &denseState, spiking: &spikingState, runner: &spikingRunner!)
            } else {
                dense = pass.run(chunk, state: &denseState, runner: &denseRunner)
                spiking = spikingRunner != nil ? pass.run(chunk, state: &spikingState, runner: &spikingRunner!) : nil
            }
            // Each token's fidelity (a log-softmax over the vocabulary, in Double) on the workers.
            var fidelity = [TokenFidelity?](repeating: nil, count: range.count)
            fidelity.withUnsafeMutableBufferPointer { buffer in
                let slots = buffer.baseAddress!
                forEachRange(of: range.count, work: range.count * model.shape.vocabSize * 16, threads: settings.threads) { ts in
                    for t in ts {
                        let position = range.lowerBound + t
                        let denseLogits = Array(dense.logits(t))
                        slots[t] = Fidelity.compare(dense: denseLogits, spiking: spiking.map { Array($0.logits(t)) } ?? denseLogits,
                                                    next: position + 1 < tokens.count ? tokens[position + 1] : nil)
                    }
                }
            }
            for (t, position) in range.enumerated() {
                let logits = Array((spiking ?? dense).logits(t))
                let counts = (spiking ?? dense).counts[t]
                let activity = TokenActivity(position: position, tokenID: tokens[position], counts: counts.counts,
                                             spikes: spikingRunner?.chunkSpikes[t] ?? [],
                                             fidelity: fidelity[t]!,
                                             chunkLength: range.count, weightsReadShared: counts.weightsReadShared)
                for u in units.indices { summary.countsPerUnit[u] += activity.counts[u] }
                summary.countsPerToken.append(activity.counts.reduce(ActivityCounts(), +))
                summary.fidelity.append(activity.fidelity!)
                summary.tokens += 1
                do {
                    try onToken(activity, logits)
                } catch where stopping(error) {
                    if let bytes = summary.nextTokenBytes { summary.nextTokenBytes = Array(bytes.prefix(summary.tokens)) }
                    return summary
                }
            }
        }
        return summary
    }
}
