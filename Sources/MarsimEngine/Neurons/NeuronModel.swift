import MarsimCore

/// A spiking neuron model: how one input channel's activation I becomes events over T ticks, and
/// what the projection sees instead of I.
///
/// Every model emits, per neuron and tick, at most one event carrying a signed integer payload q
/// (ternary models: ±1; `binary`: +1; `graded`: up to ±(2^(b−1) − 1)); the projection receives
/// Σ_t q_t·V in place of I (`decoded`), each event adding q·V·W[:, i] to the outputs. Events are
/// recorded in tick order, ties in ascending channel (`SiteSpikes.polarity` holds the payload).
///
/// To add a model: one file in `Neurons/` with a type conforming to this protocol, one entry in
/// `NeuronRegistry.models` (docs/DESIGN.md "Adding a neuron model").
public protocol NeuronModel: Sendable {
    /// The registry name (`--neuron NAME`, the trace's `/marsim/neuron@model`).
    static var name: String { get }
    /// One line for help and docs: the dynamics in words.
    static var summary: String { get }
    /// Validates the model-specific parameters (throws `NeuronError` with a message for the user).
    init(parameters: NeuronParameters) throws
    var parameters: NeuronParameters { get }
    /// Bits of payload one event carries (0: the event itself is the message). Priced by a
    /// profile's `compute.spike_bit` per event.
    var payloadBits: Int { get }
    /// The largest |payload| an event can carry.
    var maxPayload: Int { get }
    /// Parameters this model reads beyond T and tau, for traces and reports (e.g. `reset` → `zero`).
    var recordedParameters: [String: String] { get }
    /// One neuron, stepped on its own: the payloads q_0 … q_{T−1} (0 = no event) for input I and threshold V.
    func payloadTrain(input: Float, threshold: Float) -> [Int8]
    /// Steps `n` neurons through T ticks for one token, appending every event to `events` in tick
    /// order (ties: ascending channel). The same events as `payloadTrain` per neuron.
    /// - membrane: (n) scratch; its contents on entry are ignored (each token starts at u = 0).
    /// - input: (n) the activations I entering the projection
    /// - thresholds: (n) V per neuron, all > 0
    /// - Returns: the token's membrane updates as NeuroBench counts them (`MembraneUpdates`, one
    ///   token = one sample): n at tick 0, then per later tick the neurons whose membrane after the
    ///   tick differs from the membrane before it.
    @discardableResult
    func encode(events: inout SiteSpikes, membrane: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                thresholds: UnsafePointer<Float>, count n: Int) -> Int
}

extension NeuronModel {
    public var recordedParameters: [String: String] { [:] }

    /// What the projection sees for this neuron: Σ_t q_t·V.
    public func decoded(input: Float, threshold: Float) -> Float {
        payloadTrain(input: input, threshold: threshold).reduce(Float(0)) { $0 + Float($1) * threshold }
    }

    /// The model and its parameters as a trace records them.
    public var record: NeuronRecord {
        NeuronRecord(model: Self.name, payloadBits: payloadBits, maxPayload: maxPayload, parameters: recordedParameters)
    }

    /// One site's counts for one token whose events are `events` (every model steps each of its
    /// fanIn neurons at every tick):
    /// - spikes ±: events by the sign of their payload; payload bits = events × `payloadBits`;
    /// - synaptic ops = events × fanOut (each event adds one scaled weight column);
    /// - neuron updates, membrane reads and writes = fanIn × T;
    /// - weights read = events × fanOut + fanIn thresholds + fanOut bias values;
    /// - element-wise adds = fanOut when there is a bias;
    /// - membrane updates = `membraneUpdates`, what `encode` returned for this token.
    public func counts(events: SiteSpikes, fanIn: Int, fanOut: Int, hasBias: Bool, membraneUpdates: Int) -> ActivityCounts {
        var c = ActivityCounts()
        var positive = 0
        events.polarity.withUnsafeBufferPointer { pb in
            for payload in pb where payload > 0 { positive += 1 }
        }
        let T = parameters.timesteps
        c.spikesPositive = positive
        c.spikesNegative = events.count - positive
        c.spikePayloadBits = events.count * payloadBits
        c.synapticOps = events.count * fanOut
        c.neuronUpdates = fanIn * T
        c.neuronStateRead = fanIn * T
        c.neuronStateWritten = fanIn * T
        c.weightsRead = events.count * fanOut + fanIn + (hasBias ? fanOut : 0)
        if hasBias { c.elementwiseAdds = fanOut }
        c.membraneUpdates = membraneUpdates
        return c
    }
}

/// A model whose dynamics are one per-neuron, per-tick `step`: it gets `payloadTrain` and `encode`
/// from it, so the readable single-neuron view and the fast encoder cannot disagree.
public protocol SteppedNeuronModel: NeuronModel {
    /// One tick t of one neuron: updates its membrane `u` (0 before tick 0) given the token's input
    /// and the neuron's threshold, and returns the event's payload (0: no event).
    func step(_ u: inout Float, _ t: Int, _ input: Float, _ threshold: Float) -> Int8
}

extension SteppedNeuronModel {
    public func payloadTrain(input: Float, threshold: Float) -> [Int8] {
        trainBySteps(input: input, threshold: threshold, timesteps: parameters.timesteps, step)
    }

    @discardableResult
    public func encode(events: inout SiteSpikes, membrane: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                       thresholds: UnsafePointer<Float>, count n: Int) -> Int {
        encodeBySteps(events: &events, membrane: membrane, input: input, thresholds: thresholds, count: n,
                      timesteps: parameters.timesteps, step)
    }
}

/// A neuron model's parameters are not usable.
public struct NeuronError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `step(membrane, tick, input, threshold)` for one neuron over T ticks: the payload train.
/// Models define their dynamics once, in `step`, and use this and `encodeBySteps` for both paths.
@inline(__always)
func trainBySteps(input: Float, threshold: Float, timesteps: Int,
                  _ step: (inout Float, Int, Float, Float) -> Int8) -> [Int8] {
    var u: Float = 0
    return (0..<timesteps).map { t in step(&u, t, input, threshold) }
}

/// Steps `n` neurons through T ticks with `step(membrane, tick, input, threshold)` and appends the
/// nonzero payloads to `events`, tick by tick (ties: ascending channel). Each tick's firing channels
/// are compacted branch-free into scratch buffers; all ticks are appended in one go. Returns the
/// membrane updates as NeuroBench counts them: n at tick 0, then the neurons whose membrane changed
/// in a tick.
@inline(__always)
func encodeBySteps(events: inout SiteSpikes, membrane: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                   thresholds: UnsafePointer<Float>, count n: Int, timesteps: Int,
                   _ step: (inout Float, Int, Float, Float) -> Int8) -> Int {
    guard n > 0 else { return 0 }
    var updates = timesteps > 0 ? n : 0
    let capacity = n * max(timesteps, 1)
    let channels = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
    let payloads = UnsafeMutablePointer<Int8>.allocate(capacity: capacity)
    let tickOf = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    defer { channels.deallocate(); payloads.deallocate(); tickOf.deallocate() }
    membrane.update(repeating: 0, count: n)
    var k = 0
    for t in 0..<timesteps {
        let first = k
        var changed = 0
        for i in 0..<n {
            let before = membrane[i]
            let q = step(&membrane[i], t, input[i], thresholds[i])
            changed += membrane[i] != before ? 1 : 0
            channels[k] = UInt32(truncatingIfNeeded: i)
            payloads[k] = q
            k += q != 0 ? 1 : 0
        }
        if t > 0 { updates += changed }
        (tickOf + first).update(repeating: UInt8(t), count: k - first)
    }
    events.append(channels: channels, ticks: tickOf, payloads: payloads, count: k)
    return updates
}

extension SiteSpikes {
    /// Appends a token's events of every tick at once (`ticks[k]` the tick of event k), growing the
    /// arrays to exactly what they hold: a chunk keeps every token's events until it is written
    /// (≈ 1 MB per token at 1.3B and 12% firing), and doubling growth would leave a third of that
    /// unused on average.
    mutating func append(channels: UnsafePointer<UInt32>, ticks: UnsafePointer<UInt8>, payloads: UnsafePointer<Int8>, count: Int) {
        guard count > 0 else { return }
        let needed = self.channels.count + count
        if self.channels.capacity < needed {
            self.channels.reserveCapacity(needed)
            self.ticks.reserveCapacity(needed)
            polarity.reserveCapacity(needed)
        }
        self.channels.append(contentsOf: UnsafeBufferPointer(start: channels, count: count))
        self.ticks.append(contentsOf: UnsafeBufferPointer(start: ticks, count: count))
        polarity.append(contentsOf: UnsafeBufferPointer(start: payloads, count: count))
    }
}
