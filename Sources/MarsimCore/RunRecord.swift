/// marsim's version, stored in every trace and printed by `marsim --version`.
public let marsimVersion = "0.1.0"

/// The spikes one spiking site emitted during one token, in tick order (ties: ascending channel).
///
/// The three arrays are parallel: event `e` is channel `channels[e]` firing at tick `ticks[e]`
/// (0 ..< T) with payload `polarity[e]`: +1 or −1 for ternary spikes, +1 for binary ones, a signed
/// integer up to the neuron model's `maxPayload` for graded ones (never 0).
public struct SiteSpikes: Sendable, Equatable {
    /// Index of the site in the run's spiking-site list (`RunMetadata.spikingSites`).
    public var site: Int
    public var channels: [UInt32]
    public var ticks: [UInt8]
    public var polarity: [Int8]

    public init(site: Int, channels: [UInt32] = [], ticks: [UInt8] = [], polarity: [Int8] = []) {
        self.site = site
        self.channels = channels
        self.ticks = ticks
        self.polarity = polarity
    }

    public var count: Int { channels.count }
}

/// How far one spiking token's prediction is from the dense model's, for the next token.
public struct TokenFidelity: Sendable, Equatable, Codable {
    /// KL(dense ‖ spiking) of the next-token distributions, in nats.
    public var klNats: Double
    /// Whether both models' most likely next token is the same.
    public var top1Agrees: Bool
    /// −ln p(actual next token) under the dense model, in nats (nil for the last token).
    public var denseNLL: Double?
    /// −ln p(actual next token) under the spiking model, in nats (nil for the last token).
    public var spikingNLL: Double?

    public init(klNats: Double, top1Agrees: Bool, denseNLL: Double?, spikingNLL: Double?) {
        self.klNats = klNats
        self.top1Agrees = top1Agrees
        self.denseNLL = denseNLL
        self.spikingNLL = spikingNLL
    }
}

/// Everything the engine did for one token: counts per accounting unit, and the spikes.
public struct TokenActivity: Sendable {
    /// Position of the token in the input (0-based).
    public var position: Int
    /// The input token id at that position.
    public var tokenID: Int
    /// Counts per accounting unit, in `ModelShape.units` order.
    public var counts: [ActivityCounts]
    /// Spikes per spiking site, in schedule order (one entry per site, possibly empty).
    public var spikes: [SiteSpikes]
    /// Fidelity of this token's spiking prediction against dense, when computed.
    public var fidelity: TokenFidelity?
    /// Tokens in the chunk this token ran in: 1 for a token run alone (decode), more for known
    /// tokens run layer by layer together (prefill), whose weight reads the chunk shares.
    public var chunkLength: Int
    /// Per unit, this token's share of the weights its chunk read with each fetch shared by the
    /// chunk's tokens and ticks (see DESIGN.md "Prefill and decode"); nil: not recorded, taken as
    /// `counts[u].weightsRead`.
    public var weightsReadShared: [Int]?

    public init(position: Int, tokenID: Int, counts: [ActivityCounts], spikes: [SiteSpikes], fidelity: TokenFidelity?,
                chunkLength: Int = 1, weightsReadShared: [Int]? = nil) {
        self.position = position
        self.tokenID = tokenID
        self.counts = counts
        self.spikes = spikes
        self.fidelity = fidelity
        self.chunkLength = chunkLength
        self.weightsReadShared = weightsReadShared
    }

    /// `weightsReadShared`, or the token-alone reads when none were given.
    public var sharedWeightReads: [Int] { weightsReadShared ?? counts.map(\.weightsRead) }
}

/// Which checkpoint a run used.
public struct CheckpointIdentity: Sendable, Equatable, Codable {
    /// The directory as given.
    public var path: String
    public var shape: ModelShape
    /// Parameters in the checkpoint's tensors.
    public var parameterCount: Int
    /// A content hash of the checkpoint's tensor files (FNV-1a 64 over their bytes, hex).
    public var contentHash: String

    public init(path: String, shape: ModelShape, parameterCount: Int, contentHash: String) {
        self.path = path
        self.shape = shape
        self.parameterCount = parameterCount
        self.contentHash = contentHash
    }
}

/// The settings and identity of one simulation run: everything needed to cost it later.
public struct RunMetadata: Sendable, Equatable, Codable {
    public var marsimVersion: String
    public var checkpoint: CheckpointIdentity
    /// `dense` or `spiking`.
    public var mode: String
    /// T: ticks per token per site.
    public var timesteps: Int
    /// tau: the membrane's leak divisor between ticks.
    public var tau: Double
    /// The neuron model and its own parameters (ATMN for traces written before models were a
    /// choice, format 1.0/1.1).
    public var neuron: NeuronRecord
    /// The placement as the user wrote it, e.g. `all` or `mixer.in_proj@0-3`.
    public var placement: String
    /// The spiking sites in schedule order.
    public var spikingSites: [AccountingUnit]
    /// Per spiking site, the threshold V of each input channel.
    public var thresholds: [[Float]]
    /// Where thresholds came from: `learned FILE`, `calibrated …`, or `fixed V`.
    public var thresholdSource: String
    public var schedule: TickSchedule
    /// The accounting units, in the order counts are stored.
    public var units: [AccountingUnit]
    /// Counts of one token of the same model run fully dense, per unit (independent of the token).
    public var denseBaseline: [ActivityCounts]
    public var inputTokenIDs: [Int]
    /// ISO 8601.
    public var startTime: String
    /// ISO 8601, or nil while the run has not finished cleanly.
    public var endTime: String?

    public init(marsimVersion: String = MarsimCore.marsimVersion, checkpoint: CheckpointIdentity, mode: String,
                timesteps: Int, tau: Double, placement: String, spikingSites: [AccountingUnit],
                thresholds: [[Float]], thresholdSource: String, schedule: TickSchedule,
                units: [AccountingUnit], denseBaseline: [ActivityCounts], inputTokenIDs: [Int],
                startTime: String, endTime: String? = nil, neuron: NeuronRecord = .atmn) {
        self.marsimVersion = marsimVersion
        self.checkpoint = checkpoint
        self.mode = mode
        self.timesteps = timesteps
        self.tau = tau
        self.neuron = neuron
        self.placement = placement
        self.spikingSites = spikingSites
        self.thresholds = thresholds
        self.thresholdSource = thresholdSource
        self.schedule = schedule
        self.units = units
        self.denseBaseline = denseBaseline
        self.inputTokenIDs = inputTokenIDs
        self.startTime = startTime
        self.endTime = endTime
    }
}
