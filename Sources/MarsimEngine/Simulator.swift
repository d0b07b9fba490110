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
/// Per token the spiking model and the dense reference each take one decode step with their own
/// recurrent state; `onToken` receives the token's activity (counts per unit, spikes per site,
/// fidelity) and the run's logits (the spiking ones in spiking mode).
public final class Simulator {
    public let model: LanguageModel
    public let settings: SimulationSettings
    public let pass: ForwardPass

    public init(model: LanguageModel, settings: SimulationSettings) {
        self.model = model
        self.settings = settings
        self.pass = ForwardPass(model: model)
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
        var spikingRunner: SpikingRunner? = nil
        if settings.mode == .spiking {
            spikingRunner = try SpikingRunner(model: model, placement: settings.placement, thresholds: settings.thresholds,
                                              parameters: settings.parameters, threads: settings.threads,
                                              minimumParallelWork: settings.minimumParallelWork)
        }
        for (position, token) in tokens.enumerated() {
            let next = position + 1 < tokens.count ? tokens[position + 1] : nil
            var denseCounts = TokenCounts(unitCount: units.count)
            let denseLogits = pass.step(token: token, state: &denseState, runner: &denseRunner, counts: &denseCounts)
            let activity: TokenActivity
            let logits: [Float]
            if spikingRunner != nil {
                spikingRunner!.beginToken()
                var counts = TokenCounts(unitCount: units.count)
                logits = pass.step(token: token, state: &spikingState, runner: &spikingRunner!, counts: &counts)
                activity = TokenActivity(position: position, tokenID: token, counts: counts.counts, spikes: spikingRunner!.spikes,
                                         fidelity: Fidelity.compare(dense: denseLogits, spiking: logits, next: next))
            } else {
                logits = denseLogits
                activity = TokenActivity(position: position, tokenID: token, counts: denseCounts.counts, spikes: [],
                                         fidelity: Fidelity.compare(dense: denseLogits, spiking: denseLogits, next: next))
            }
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
        return summary
    }
}
