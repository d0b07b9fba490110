import MarsimCore

/// Checks that what a `TraceWriter` is given can be recorded faithfully; a reason when not.
enum TraceInputValidation {
    /// Problems with run metadata, or nil.
    static func problem(with metadata: RunMetadata) -> String? {
        let sites = metadata.spikingSites
        if metadata.units.isEmpty { return "metadata lists no accounting units" }
        if metadata.schedule.sitesPerToken != sites.count {
            return "schedule has \(metadata.schedule.sitesPerToken) sites per token but metadata lists \(sites.count) spiking sites"
        }
        if metadata.thresholds.count != sites.count {
            return "\(metadata.thresholds.count) threshold lists for \(sites.count) spiking sites"
        }
        if Set(sites.map(\.name)).count != sites.count { return "spiking sites are not unique" }
        if !metadata.denseBaseline.isEmpty && metadata.denseBaseline.count != metadata.units.count {
            return "dense baseline has \(metadata.denseBaseline.count) units, expected \(metadata.units.count)"
        }
        let period = metadata.schedule.tickPeriodMs
        if !(period > 0 && period.isFinite) { return "tick period \(period) ms is not a positive number" }
        if !(1...255).contains(metadata.schedule.timesteps) {
            return "schedule has \(metadata.schedule.timesteps) ticks per site (ticks are 1...255)"
        }
        if !(1...255).contains(metadata.timesteps) { return "T = \(metadata.timesteps) is not in 1...255" }
        if !(metadata.tau > 0 && metadata.tau.isFinite) { return "tau \(metadata.tau) is not a positive number" }
        let neuron = metadata.neuron
        if neuron.model.isEmpty { return "the neuron model has no name" }
        if !(0...64).contains(neuron.payloadBits) { return "neuron payload of \(neuron.payloadBits) bits is not in 0...64" }
        if !(1...Int(Int8.max)).contains(neuron.maxPayload) { return "neuron max payload \(neuron.maxPayload) is not in 1...127" }
        if let bad = neuron.parameters.first(where: { $0.key.isEmpty || $0.key.contains("=") }) {
            return "neuron parameter name \"\(bad.key)\" is empty or holds '='"
        }
        for (site, values) in zip(sites, metadata.thresholds) {
            if let bad = values.first(where: { !($0 > 0 && $0.isFinite) }) {
                return "threshold \(bad) of \(site.name) is not a positive finite number"
            }
        }
        if let bad = metadata.denseBaseline.flatMap(\.fields).first(where: { $0 < 0 }) {
            return "the dense baseline has a negative count \(bad)"
        }
        if let bad = metadata.inputTokenIDs.first(where: { $0 < 0 }) { return "input token id \(bad) is negative" }
        let shape = metadata.checkpoint.shape
        if let bad = shape.traceIntegers.first(where: { $0 < 0 }) { return "the model shape has a negative size \(bad)" }
        if metadata.checkpoint.parameterCount < 0 { return "the parameter count is negative" }
        return nil
    }

    /// Problems with one token, or nil. `previousPosition` is the last appended token's position.
    /// Events are checked only when they are recorded (`checkEvents`).
    static func problem(with token: TokenActivity, metadata: RunMetadata, previousPosition: Int?, checkEvents: Bool) -> String? {
        if let previousPosition, token.position <= previousPosition {
            return "token position \(token.position) follows \(previousPosition); positions must increase"
        }
        if token.position < 0 { return "token position \(token.position) is negative" }
        // Timestamps are (position · sites + site) · T + tick ticks: keep that within Int.
        if token.position >= Int.max / max(1, metadata.schedule.ticksPerToken) - 1 {
            return "token position \(token.position) is too large to timestamp"
        }
        if token.counts.count != metadata.units.count {
            return "token \(token.position) has counts for \(token.counts.count) units, expected \(metadata.units.count)"
        }
        if token.chunkLength < 1 { return "token \(token.position) ran in a chunk of \(token.chunkLength) tokens" }
        if let shared = token.weightsReadShared {
            if shared.count != metadata.units.count {
                return "token \(token.position) has shared weight reads for \(shared.count) units, expected \(metadata.units.count)"
            }
            if let bad = shared.first(where: { $0 < 0 }) { return "token \(token.position) has a negative shared weight read \(bad)" }
        }
        for (unit, counts) in zip(metadata.units, token.counts) {
            if let bad = counts.fields.firstIndex(where: { $0 < 0 }) {
                return "token \(token.position), \(unit.name): \(ActivityCounts.fieldNames[bad]) is negative (\(counts.fields[bad]))"
            }
        }
        guard checkEvents else { return nil }
        var seen = Set<Int>()
        for spikes in token.spikes {
            let site = spikes.site
            guard metadata.spikingSites.indices.contains(site) else {
                return "token \(token.position) has spikes for site \(site) of \(metadata.spikingSites.count)"
            }
            guard seen.insert(site).inserted else { return "token \(token.position) lists site \(site) twice" }
            let name = metadata.spikingSites[site].name
            guard spikes.ticks.count == spikes.channels.count, spikes.polarity.count == spikes.channels.count else {
                return "token \(token.position), \(name): channels, ticks and polarity differ in length"
            }
            if let problem = eventProblem(spikes, fanIn: metadata.thresholds[site].count, timesteps: metadata.schedule.timesteps,
                                          maxPayload: metadata.neuron.maxPayload) {
                return "token \(token.position), \(name): \(problem)"
            }
        }
        return nil
    }

    /// One branch-light pass over the three arrays (lengths already checked equal); the message is
    /// built only for the first bad event.
    private static func eventProblem(_ spikes: SiteSpikes, fanIn: Int, timesteps: Int, maxPayload: Int) -> String? {
        let bad: Int? = spikes.ticks.withUnsafeBufferPointer { ticks in
            spikes.channels.withUnsafeBufferPointer { channels in
                spikes.polarity.withUnsafeBufferPointer { polarity in
                    let limit = fanIn > 0 ? UInt32(clamping: fanIn) : .max
                    var previous: UInt8 = 0
                    let limitPayload = Int8(clamping: maxPayload)
                    for event in 0..<ticks.count {
                        let tick = ticks[event], p = polarity[event]
                        if Int(tick) >= timesteps || tick < previous || channels[event] >= limit
                            || p == 0 || p < -limitPayload || p > limitPayload {
                            return event
                        }
                        previous = tick
                    }
                    return nil
                }
            }
        }
        guard let event = bad else { return nil }
        let tick = Int(spikes.ticks[event])
        if tick >= timesteps { return "tick \(tick) is not below T = \(timesteps)" }
        if event > 0, spikes.ticks[event] < spikes.ticks[event - 1] {
            return "ticks are not in time order (\(tick) after \(spikes.ticks[event - 1]))"
        }
        if fanIn > 0 && Int(spikes.channels[event]) >= fanIn {
            return "channel \(spikes.channels[event]) is not below the site's \(fanIn) inputs"
        }
        return "payload \(spikes.polarity[event]) is not a nonzero value within ±\(maxPayload)"
    }
}
