import MarsimCore

/// What `marsim trace` reports about a trace: completeness, sizes, firing rates per spiking site
/// and per layer, fidelity, and the run's settings. Codable (the `--json` output) and computed in
/// one pass over the counters, reading blocks of tokens so memory stays small.
///
/// Firing rate = spikes ÷ neuron updates of the site's accounting unit, summed over the trace's
/// tokens (spikes of either polarity; one neuron update per neuron per tick).
public struct TraceSummary: Codable, Sendable, Equatable {
    public struct Site: Codable, Sendable, Equatable {
        public var name: String
        /// nil for model-level sites (`lm_head`).
        public var layer: Int?
        /// Input channels of the site (its threshold count).
        public var neurons: Int
        /// Events stored in the SONATA population; nil at `counts` level.
        public var events: Int?
        /// Spikes counted by the engine (both polarities).
        public var spikes: Int
        public var spikesNegative: Int
        public var neuronUpdates: Int
        /// spikes ÷ neuronUpdates; nil when there were no updates.
        public var firingRate: Double?
    }

    public struct Layer: Codable, Sendable, Equatable {
        /// nil for model-level sites.
        public var layer: Int?
        public var sites: Int
        public var spikes: Int
        public var neuronUpdates: Int
        public var firingRate: Double?
    }

    public struct Fidelity: Codable, Sendable, Equatable {
        /// Tokens that carry fidelity.
        public var tokens: Int
        public var meanKLNats: Double?
        /// Fraction of those tokens whose top-1 prediction agrees with dense.
        public var top1Agreement: Double?
        public var meanDenseNLL: Double?
        public var meanSpikingNLL: Double?
    }

    public struct Run: Codable, Sendable, Equatable {
        public var marsimVersion: String
        public var mode: String
        public var checkpointPath: String
        public var architecture: String
        public var layers: Int
        public var dModel: Int
        public var parameterCount: Int
        public var contentHash: String
        /// The neuron model (ATMN for traces before format 1.2).
        public var neuron: NeuronRecord
        public var timesteps: Int
        public var tau: Double
        public var placement: String
        public var thresholdSource: String
        public var tickPeriodMs: Double
        public var inputTokens: Int
        public var startTime: String
        public var endTime: String?
    }

    public var path: String
    public var complete: Bool
    /// Whether `path` is a killed run's journal (see `TraceReader.recoveredFromJournal`).
    public var recoveredFromJournal: Bool
    public var level: TraceLevel
    public var formatVersion: [UInt32]
    public var tokens: Int
    /// All stored events; nil at `counts` level.
    public var events: Int?
    public var spikes: Int
    public var neuronUpdates: Int
    public var firingRate: Double?
    public var sites: [Site]
    public var layers: [Layer]
    public var fidelity: Fidelity
    public var run: Run

    /// Summarizes the trace `reader` has open.
    public init(reader: TraceReader) throws {
        let metadata = reader.metadata
        let totals = try reader.totalCounts()
        let eventTotals = reader.level == .events ? reader.eventTotals() : nil
        sites = metadata.spikingSites.enumerated().map { index, site in
            let counts = metadata.units.firstIndex(of: site).map { totals[$0] } ?? ActivityCounts()
            return Site(name: site.name, layer: site.layer, neurons: metadata.thresholds[index].count,
                        events: eventTotals.map { $0.indices.contains(index) ? $0[index] : 0 },
                        spikes: counts.spikes, spikesNegative: counts.spikesNegative, neuronUpdates: counts.neuronUpdates,
                        firingRate: Self.rate(counts.spikes, counts.neuronUpdates))
        }
        var layerOrder: [Int?] = []
        var byLayer: [Int?: Layer] = [:]
        for site in sites {
            if byLayer[site.layer] == nil {
                layerOrder.append(site.layer)
                byLayer[site.layer] = Layer(layer: site.layer, sites: 0, spikes: 0, neuronUpdates: 0, firingRate: nil)
            }
            byLayer[site.layer]!.sites += 1
            byLayer[site.layer]!.spikes += site.spikes
            byLayer[site.layer]!.neuronUpdates += site.neuronUpdates
        }
        layers = layerOrder.map { key in
            var layer = byLayer[key]!
            layer.firingRate = Self.rate(layer.spikes, layer.neuronUpdates)
            return layer
        }
        path = reader.path
        complete = reader.isComplete
        recoveredFromJournal = reader.recoveredFromJournal
        level = reader.level
        formatVersion = reader.formatVersion
        tokens = reader.tokensWritten
        events = try eventTotals.map { totals in
            try totals.reduce(0) { sum, value in
                let (result, overflow) = sum.addingReportingOverflow(value)
                if overflow { throw TraceError.inconsistent(path: reader.path, reason: "the events of all populations sum past 2^63") }
                return result
            }
        }
        spikes = sites.reduce(0) { $0 + $1.spikes }
        neuronUpdates = sites.reduce(0) { $0 + $1.neuronUpdates }
        firingRate = Self.rate(spikes, neuronUpdates)
        fidelity = Self.fidelity(try reader.fidelity())
        let shape = metadata.checkpoint.shape
        run = Run(marsimVersion: metadata.marsimVersion, mode: metadata.mode, checkpointPath: metadata.checkpoint.path,
                  architecture: shape.architecture, layers: shape.layers, dModel: shape.dModel,
                  parameterCount: metadata.checkpoint.parameterCount, contentHash: metadata.checkpoint.contentHash,
                  neuron: metadata.neuron, timesteps: metadata.timesteps, tau: metadata.tau, placement: metadata.placement,
                  thresholdSource: metadata.thresholdSource, tickPeriodMs: metadata.schedule.tickPeriodMs,
                  inputTokens: metadata.inputTokenIDs.count, startTime: metadata.startTime, endTime: metadata.endTime)
    }

    private static func rate(_ spikes: Int, _ updates: Int) -> Double? {
        updates > 0 ? Double(spikes) / Double(updates) : nil
    }

    private static func mean(_ values: [Double]) -> Double? {
        let finite = values.filter(\.isFinite)
        return finite.isEmpty ? nil : finite.reduce(0, +) / Double(finite.count)
    }

    private static func fidelity(_ tokens: [TokenFidelity?]) -> Fidelity {
        let present = tokens.compactMap { $0 }
        return Fidelity(tokens: present.count, meanKLNats: mean(present.map(\.klNats)),
                        top1Agreement: present.isEmpty ? nil : Double(present.filter(\.top1Agrees).count) / Double(present.count),
                        meanDenseNLL: mean(present.compactMap(\.denseNLL)), meanSpikingNLL: mean(present.compactMap(\.spikingNLL)))
    }
}
