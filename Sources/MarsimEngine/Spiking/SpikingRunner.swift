import Foundation
import MarsimCheckpoint
import MarsimCore

/// Runs the projections chosen by a `Placement` as ATMN spiking sites, and every other one dense.
///
/// For a spiking site, per token: the site's neurons (one per input channel) step through T ticks
/// (`atmnEncode`), then each spike is delivered as an event adding ±V·W[:, i] to the accumulator
/// (`deliverEvents`). Counting per token (all against the site's unit):
/// - spikes ±: the events by polarity; synaptic ops (ACs) = events × fanOut;
/// - neuron updates = fanIn × T, each reading and writing one membrane value;
/// - weights read = events × fanOut (one column per event) + fanIn thresholds + fanOut bias values;
/// - element-wise adds = fanOut when there is a bias.
public struct SpikingRunner: ProjectionRunner {
    public let parameters: ATMNParameters
    /// The spiking sites in schedule order.
    public let sites: [AccountingUnit]
    public var dense: DenseRunner
    private let siteIndex: [AccountingUnit: Int]
    private let thresholds: [AccountingUnit: [Float]]
    /// Column-major copies of spiking projections stored row-major (a tied lm_head).
    private var columnMajorCopies: [AccountingUnit: Projection] = [:]
    private var membrane: [Float]
    /// The spikes of the token being run, one entry per site (cleared by `beginToken`).
    public private(set) var spikes: [SiteSpikes]

    public init(model: LanguageModel, placement: Placement, thresholds: ThresholdSet, parameters: ATMNParameters,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, minimumParallelWork: Int = 1 << 18) throws {
        self.parameters = parameters
        sites = placement.sites
        dense = DenseRunner(threads: threads, minimumParallelWork: minimumParallelWork)
        var siteIndex: [AccountingUnit: Int] = [:]
        var widest = 0
        for (i, site) in sites.enumerated() {
            siteIndex[site] = i
            let fanIn = model.shape.projectionSize(site.kind)!.fanIn
            widest = max(widest, fanIn)
            guard let v = thresholds.values[site], v.count == fanIn else {
                throw ThresholdError("no thresholds (or the wrong number) for spiking site \(site.name): expected \(fanIn)")
            }
            if let bad = v.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw ThresholdError("threshold \(v[bad]) of site \(site.name) channel \(bad) must be finite and > 0")
            }
        }
        if let head = sites.first(where: { $0.kind == .lmHead }), model.lmHead.layout == .rowMajor {
            columnMajorCopies[head] = model.lmHead.columnMajor()
        }
        self.siteIndex = siteIndex
        self.thresholds = thresholds.values
        membrane = [Float](repeating: 0, count: widest)
        spikes = sites.indices.map { SiteSpikes(site: $0) }
    }

    /// Clears the spikes recorded for the previous token.
    public mutating func beginToken() {
        for i in spikes.indices {
            spikes[i].channels.removeAll(keepingCapacity: true)
            spikes[i].ticks.removeAll(keepingCapacity: true)
            spikes[i].polarity.removeAll(keepingCapacity: true)
        }
    }

    public mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             site: AccountingUnit, unit: Int, counts: inout TokenCounts) {
        guard let s = siteIndex[site], let v = thresholds[site] else {
            dense.run(p, input: input, output: output, site: site, unit: unit, counts: &counts)
            return
        }
        let projection = columnMajorCopies[site] ?? p
        let T = parameters.timesteps
        // Take the site's buffers out of `spikes` so appends do not copy them (copy-on-write).
        var events = SiteSpikes(site: s)
        swap(&events, &spikes[s])
        membrane.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeBufferPointer { vb in
                atmnEncode(events: &events, membrane: mb.baseAddress!, input: input, thresholds: vb.baseAddress!,
                           count: p.fanIn, parameters: parameters)
                parallelDeliverEvents(output, events: events, thresholds: vb.baseAddress!, projection, threads: dense.threads,
                                      minimumWork: dense.minimumParallelWork / 2)
            }
        }
        var c = ActivityCounts()
        var positive = 0
        events.polarity.withUnsafeBufferPointer { pb in
            for polarity in pb where polarity > 0 { positive += 1 }
        }
        c.spikesPositive = positive
        c.spikesNegative = events.count - positive
        c.synapticOps = events.count * p.fanOut
        c.neuronUpdates = p.fanIn * T
        c.neuronStateRead = p.fanIn * T
        c.neuronStateWritten = p.fanIn * T
        c.weightsRead = events.count * p.fanOut + p.fanIn + (p.bias == nil ? 0 : p.fanOut)
        if p.bias != nil { c.elementwiseAdds = p.fanOut }
        counts.counts[unit] += c
        swap(&events, &spikes[s])
    }
}
