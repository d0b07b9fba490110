import MarsimTestSupport
import MarsimCore

/// A small made-up model and run: metadata plus deterministic pseudo-random tokens.
///
/// Shape: 2 layers (or `layers`) of d_model 16 with an MLP (21 units), spiking at the 8 projection sites of the
/// blocks (MAR placement), T = 4, tick 0.001 ms. Each site fires about `eventsPerSite` events per
/// token, in tick order with ascending channels within a tick.
struct SyntheticRun {
    let metadata: RunMetadata
    let eventsPerSite: Int

    init(eventsPerSite: Int = 12, inputTokens: Int = 64, dense: Bool = false, layers: Int = 2) {
        let shape = ModelShape(architecture: "llamba", dModel: 16, layers: layers, vocabSize: 256, dInner: 32, heads: 4,
                               headDim: 8, groups: 1, dState: 8, convKernel: 4, mlpHidden: 48, inProjRows: 112,
                               tiedHead: false)
        let units = shape.units
        let sites = dense ? [] : units.filter { $0.layer != nil && $0.kind.isProjection }
        let thresholds = sites.enumerated().map { index, site in
            (0..<shape.projectionSize(site.kind)!.fanIn).map { Float(index) * 0.5 + Float($0) / 64 + 0.125 }
        }
        var baseline = ActivityCounts()
        baseline.denseMACs = 16 * 112
        baseline.weightsRead = 16 * 112
        metadata = RunMetadata(
            checkpoint: CheckpointIdentity(path: "checkpoints/tiny-llamba", shape: shape, parameterCount: 123_456,
                                           contentHash: "cbf29ce484222325"),
            mode: dense ? "dense" : "spiking", timesteps: 4, tau: 2, placement: dense ? "none" : "all",
            spikingSites: sites, thresholds: thresholds, thresholdSource: "fixed 0.125",
            schedule: TickSchedule(sitesPerToken: sites.count, timesteps: 4, tickPeriodMs: 0.001),
            units: units, denseBaseline: units.map { _ in baseline },
            inputTokenIDs: (0..<inputTokens).map { ($0 * 37) % 256 }, startTime: "2026-12-01T10:00:00Z")
        self.eventsPerSite = eventsPerSite
    }

    /// Token `k` (position k): events, counts consistent with them, and fidelity (absent every
    /// 5th token; NLLs absent on the last input token).
    func token(_ k: Int) -> TokenActivity {
        var random = SplitMix64(seed: UInt64(k) &* 0x9E37_79B9 &+ 17)
        let timesteps = metadata.schedule.timesteps
        var spikes: [SiteSpikes] = []
        var counts = metadata.units.map { _ in ActivityCounts() }
        for (site, unit) in metadata.spikingSites.enumerated() {
            let fanIn = metadata.thresholds[site].count
            let count = Int(random.next() % UInt64(2 * eventsPerSite + 1))
            var events: [(tick: UInt8, channel: UInt32)] = (0..<count).map { _ in
                (UInt8(random.next() % UInt64(timesteps)), UInt32(random.next() % UInt64(fanIn)))
            }
            events.sort { ($0.tick, $0.channel) < ($1.tick, $1.channel) }
            let polarity: [Int8] = events.map { _ in random.next() % 3 == 0 ? -1 : 1 }
            spikes.append(SiteSpikes(site: site, channels: events.map(\.channel), ticks: events.map(\.tick), polarity: polarity))
            let u = metadata.units.firstIndex(of: unit)!
            counts[u].spikesPositive = polarity.filter { $0 > 0 }.count
            counts[u].spikesNegative = polarity.filter { $0 < 0 }.count
            counts[u].neuronUpdates = fanIn * timesteps
            counts[u].synapticOps = count * 112
        }
        for u in counts.indices {
            counts[u].denseMACs += Int(random.next() % 5000)
            counts[u].elementwiseAdds = Int(random.next() % 300)
            counts[u].recurrentStateWritten = (1 << 52) + Int(random.next() % 7)  // beyond 32 bits
        }
        let fidelity: TokenFidelity? = k % 5 == 4 ? nil : TokenFidelity(
            klNats: Double(random.next() % 1000) / 997, top1Agrees: k % 3 != 0,
            denseNLL: k == metadata.inputTokenIDs.count - 1 ? nil : Double(k) / 7,
            spikingNLL: k == metadata.inputTokenIDs.count - 1 ? nil : Double(k) / 6)
        return TokenActivity(position: k, tokenID: metadata.inputTokenIDs[k % metadata.inputTokenIDs.count],
                             counts: counts, spikes: spikes, fidelity: fidelity)
    }
}

/// Expects two token activities to be equal field by field (TokenActivity is not Equatable).
func sameActivity(_ a: TokenActivity, _ b: TokenActivity) -> Bool {
    a.position == b.position && a.tokenID == b.tokenID && a.counts == b.counts && a.spikes == b.spikes
        && a.fidelity == b.fidelity
}
