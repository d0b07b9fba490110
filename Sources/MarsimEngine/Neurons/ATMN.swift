import MarsimCore

// Adaptive ternary multi-step neurons (ATMN), exactly as DESIGN.md §2:
//
//   h_t = I·[t == 0] + u_{t−1} / tau        u_{−1} = 0,  t = 0 … T−1
//   s_t = +1 if h_t ≥ V ; −1 if h_t ≤ −V ; 0 otherwise
//   u_t = h_t − s_t·V                       (reset by subtraction)
//
// The input enters once, at t = 0; later ticks drain the membrane. The projection sees Σ_t s_t·V
// in place of I. A neuron therefore emits at most T spikes per token (saturation), all of one sign
// while tau ≥ 1.

/// ATMN's settings are the shared neuron settings (T and tau); the old name keeps callers compiling.
public typealias ATMNParameters = NeuronParameters

/// One ATMN neuron, stepped on its own: the readable reference the vectorised encoder is tested against.
public enum ATMNNeuron {
    /// The spike train s_0 … s_{T−1} (each −1, 0 or +1) for input `input` and threshold `threshold`.
    public static func spikeTrain(input: Float, threshold: Float, parameters: ATMNParameters) -> [Int8] {
        var train: [Int8] = []
        var u: Float = 0
        for t in 0..<parameters.timesteps {
            let h = t == 0 ? input : u / parameters.tau
            let s: Int8 = h >= threshold ? 1 : (h <= -threshold ? -1 : 0)
            u = h - Float(s) * threshold
            train.append(s)
        }
        return train
    }

    /// What the projection sees for this neuron: Σ_t s_t·V.
    public static func decoded(input: Float, threshold: Float, parameters: ATMNParameters) -> Float {
        spikeTrain(input: input, threshold: threshold, parameters: parameters).reduce(Float(0)) { $0 + Float($1) * threshold }
    }
}

/// Steps `n` neurons through T ticks for one token and appends every spike to `events`
/// in tick order (ties: ascending channel). Same spikes and membrane values as `atmnEncodeReference`.
///
/// Each tick runs branch-free over raw pointers (s = +1, −1 or 0; u = h − s·V, which is exactly
/// h − V, h + V or h), compacting the firing channels into a scratch buffer that is then appended
/// to `events` in one go per tick (`encodeBySteps` with `ATMNModel.step`).
///
/// - membrane: (n) scratch; its contents on entry are ignored (each token starts at u = 0).
/// - input: (n) the activations I entering the projection
/// - thresholds: (n) V per neuron, all > 0
func atmnEncode(events: inout SiteSpikes, membrane: UnsafeMutablePointer<Float>,
                input: UnsafePointer<Float>, thresholds: UnsafePointer<Float>, count n: Int,
                parameters: ATMNParameters) {
    ATMNModel(parameters: parameters).encode(events: &events, membrane: membrane, input: input, thresholds: thresholds, count: n)
}

/// The straightforward encoder `atmnEncode` is tested against: steps `n` neurons through T ticks for
/// one token and appends every spike to `events` in tick order (ties: ascending channel).
///
/// - membrane: (n) scratch; its contents on entry are ignored (each token starts at u = 0).
/// - input: (n) the activations I entering the projection
/// - thresholds: (n) V per neuron, all > 0
func atmnEncodeReference(events: inout SiteSpikes, membrane: UnsafeMutablePointer<Float>,
                input: UnsafePointer<Float>, thresholds: UnsafePointer<Float>, count n: Int,
                parameters: ATMNParameters) {
    let divide = parameters.tau != 1
    for t in 0..<parameters.timesteps {
        for i in 0..<n {
            let h: Float
            if t == 0 { h = input[i] } else { h = divide ? membrane[i] / parameters.tau : membrane[i] }
            let v = thresholds[i]
            if h >= v {
                membrane[i] = h - v
                events.channels.append(UInt32(i)); events.ticks.append(UInt8(t)); events.polarity.append(1)
            } else if h <= -v {
                membrane[i] = h + v
                events.channels.append(UInt32(i)); events.ticks.append(UInt8(t)); events.polarity.append(-1)
            } else {
                membrane[i] = h
            }
        }
    }
}

/// ATMN as a `NeuronModel` (registry name `atmn`): ternary spikes, input once at t = 0. Its `step`
/// is the equations above; `ATMNNeuron` and `atmnEncodeReference` stay as the readable references
/// the tests compare it with.
public struct ATMNModel: SteppedNeuronModel {
    public static let name = "atmn"
    public static let summary = "adaptive ternary multi-step (MAR): input once at t = 0, spikes in {−1, 0, +1}, reset by subtraction"
    public let parameters: NeuronParameters
    /// An ATMN event's payload is its sign.
    public var payloadBits: Int { 1 }
    public var maxPayload: Int { 1 }

    public init(parameters: NeuronParameters) { self.parameters = parameters }

    /// One tick of one neuron: h = I at t = 0, else u ÷ tau (skipped when tau = 1); s ∈ {−1, 0, +1}; u = h − s·V.
    @inline(__always)
    public func step(_ u: inout Float, _ t: Int, _ input: Float, _ v: Float) -> Int8 {
        let tau = parameters.tau
        let h: Float = t == 0 ? input : (tau != 1 ? u / tau : u)
        let s: Int8 = h >= v ? 1 : (h <= -v ? -1 : 0)
        u = h - Float(s) * v
        return s
    }

    /// `encodeBySteps` with `step`, 8 neurons per instruction: the same arithmetic lane by lane (a
    /// division by tau, two comparisons, u = h − s·V), so the same events, membrane values and
    /// membrane updates; firing channels are then compacted tick by tick, in ascending order.
    public func encode(events: inout SiteSpikes, membrane: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                       thresholds: UnsafePointer<Float>, count n: Int) -> Int {
        let T = parameters.timesteps, tau = parameters.tau
        guard n > 0, T > 0 else { return 0 }
        var updates = n
        // Every tick's events gathered first (at most n per tick), then appended at once.
        let payloads = UnsafeMutablePointer<Int8>.allocate(capacity: n)
        let channels = UnsafeMutablePointer<UInt32>.allocate(capacity: n * T)
        let compacted = UnsafeMutablePointer<Int8>.allocate(capacity: n * T)
        let tickOf = UnsafeMutablePointer<UInt8>.allocate(capacity: n * T)
        defer { payloads.deallocate(); channels.deallocate(); compacted.deallocate(); tickOf.deallocate() }
        var k = 0
        let vectorN = n / 8 * 8
        let tau8 = SIMD8<Float>(repeating: tau), one = SIMD8<Int32>(repeating: 1), minusOne = SIMD8<Int32>(repeating: -1)
        let zero8 = SIMD8<Float>()
        for t in 0..<T {
            var changed8 = SIMD8<Int32>()
            var i = 0
            while i < vectorN {
                let before = t == 0 ? zero8 : load8(membrane + i)
                let h = t == 0 ? load8(input + i) : (tau != 1 ? before / tau8 : before)
                let v = load8(thresholds + i)
                let positive = h .>= v, negative = (h .<= -v) .& .!positive
                var s = SIMD8<Int32>()
                s.replace(with: one, where: positive)
                s.replace(with: minusOne, where: negative)
                var sv = zero8
                sv.replace(with: v, where: positive)
                sv.replace(with: -v, where: negative)
                let u = h - sv
                store8(membrane + i, u)
                changed8.replace(with: changed8 &+ one, where: u .!= before)
                UnsafeMutableRawPointer(payloads + i).storeBytes(of: SIMD8<Int8>(truncatingIfNeeded: s), as: SIMD8<Int8>.self)
                i += 8
            }
            var changed = Int(changed8.wrappedSum())
            while i < n {
                var u: Float = t == 0 ? 0 : membrane[i]
                let before = u
                payloads[i] = step(&u, t, input[i], thresholds[i])
                membrane[i] = u
                changed += u != before ? 1 : 0
                i += 1
            }
            if t > 0 { updates += changed }
            // Compaction 8 channels per word: at ~10% firing most words hold 0 or 1 event, so only
            // the set bytes of a nonzero word are visited (channel order kept).
            let first = k
            var c = 0
            while c + 8 <= n {
                var word = UnsafeRawPointer(payloads + c).loadUnaligned(as: UInt64.self)
                while word != 0 {
                    let byte = word.trailingZeroBitCount / 8
                    channels[k] = UInt32(truncatingIfNeeded: c + byte)
                    compacted[k] = payloads[c + byte]
                    k += 1
                    word &= ~(UInt64(0xFF) << UInt64(8 * byte))
                }
                c += 8
            }
            while c < n {
                let q = payloads[c]
                channels[k] = UInt32(truncatingIfNeeded: c)
                compacted[k] = q
                k += q != 0 ? 1 : 0
                c += 1
            }
            (tickOf + first).update(repeating: UInt8(t), count: k - first)
        }
        events.append(channels: channels, ticks: tickOf, payloads: compacted, count: k)
        return updates
    }
}
