import Foundation
import MarsimCheckpoint
import MarsimCore

/// How a spiking site's events reach its projection's outputs.
public enum EventDelivery: String, Sendable, CaseIterable {
    /// Each token's events one after another, each adding ±V·W[:, i] (time ∝ events). Every spike of
    /// a chunked run then equals the token-by-token run's, bit for bit.
    case events
    /// The chunk's decoded inputs (Σ_t s_t·V per channel and token) through one GEMM: the same
    /// sums in another order, faster once firing is dense. Results differ from `events` by float
    /// rounding, which can flip a spike whose input sits exactly at a threshold downstream.
    case gemm
    /// The chunk's decoded inputs, nonzero (token, channel) pairs only, through a cache-blocked
    /// sparse product (`sparseProject`): each weight a channel that fired needs is read once per
    /// chunk, and time ∝ those pairs. The same sums as `gemm`, in another order.
    case sparse
    /// `events` for a single token; for a chunk, `sparse` unless more than `gemmDensity` of the
    /// decoded inputs are nonzero, then `gemm`.
    case auto
}

/// Runs the projections chosen by a `Placement` as spiking sites of a `NeuronModel` (ATMN unless the
/// parameters name another), and every other one dense.
///
/// For a spiking site, per token: the site's neurons (one per input channel) step through T ticks
/// (`NeuronModel.encode`), then the events reach the outputs (`EventDelivery`), each adding
/// payload·V·W[:, i]. Counting per token (all against the site's unit), whatever the delivery, is the
/// model's (`NeuronModel.counts`): spikes by sign, payload bits, synaptic ops = events × fanOut,
/// neuron updates = fanIn × T, weights read = events × fanOut + thresholds + bias.
public struct SpikingRunner: ProjectionRunner {
    public let parameters: NeuronParameters
    /// The neuron model every site uses (built from `parameters` by `NeuronRegistry`).
    public let neuron: any NeuronModel
    /// The spiking sites in schedule order.
    public let sites: [AccountingUnit]
    public var dense: DenseRunner
    /// How events reach the outputs (see `EventDelivery`).
    public var delivery: EventDelivery = .events
    /// With `.auto`: the fraction of a chunk's decoded inputs (token × input channel) that must be
    /// nonzero for the site to run as a GEMM instead of `sparse`. Measured in place on a Mamba2-1.3B
    /// checkpoint (BENCHMARKS.md), the two cost the same at ≈ 0.45 for in_proj (2048 → 8512) and
    /// ≈ 0.38 for out_proj (4096 → 2048), whose packing strides cost more.
    public var gemmDensity: Double = 0.4
    private let siteIndex: [AccountingUnit: Int]
    private let thresholds: [AccountingUnit: [Float]]
    /// Column-major copies of spiking projections stored row-major (when the model was not prepared
    /// with `LanguageModel.preparedForEvents`).
    private var columnMajorCopies: [AccountingUnit: Projection] = [:]
    /// The GEMM delivery's input rows (the paired dense rows, then the decoded spiking rows), kept
    /// from one site to the next so a chunk does not fault in fresh pages at every site.
    private var gemmInput: [Float] = []
    /// The sparse delivery's nonzero decoded inputs, kept like `gemmInput`.
    private var decodedRows = DecodedRows()
    /// Per token of the current chunk, the spikes of each site (cleared by `beginChunk`).
    public private(set) var chunkSpikes: [[SiteSpikes]]
    private var chunkTokens = 1

    public init(model: LanguageModel, placement: Placement, thresholds: ThresholdSet, parameters: NeuronParameters,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, minimumParallelWork: Int = 1 << 18) throws {
        self.parameters = parameters
        neuron = try NeuronRegistry.make(parameters)
        sites = placement.sites
        dense = DenseRunner(threads: threads, minimumParallelWork: minimumParallelWork)
        var siteIndex: [AccountingUnit: Int] = [:]
        for (i, site) in sites.enumerated() {
            siteIndex[site] = i
            let fanIn = model.shape.projectionSize(site.kind)!.fanIn
            guard let v = thresholds.values[site], v.count == fanIn else {
                throw ThresholdError("no thresholds (or the wrong number) for spiking site \(site.name): expected \(fanIn)")
            }
            if let bad = v.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw ThresholdError("threshold \(v[bad]) of site \(site.name) channel \(bad) must be finite and > 0")
            }
            if let p = model.projection(at: site), p.layout != .columnMajor {
                columnMajorCopies[site] = p.columnMajor()
            }
        }
        self.siteIndex = siteIndex
        self.thresholds = thresholds.values
        chunkSpikes = [sites.indices.map { SiteSpikes(site: $0) }]
    }

    /// The spikes of the current chunk's first token (of the token, after a single step).
    public var spikes: [SiteSpikes] { chunkSpikes[0] }

    /// Clears the spikes recorded for the previous chunk and makes room for `n` tokens.
    public mutating func beginChunk(tokens n: Int) {
        chunkTokens = n
        while chunkSpikes.count < n { chunkSpikes.append(sites.indices.map { SiteSpikes(site: $0) }) }
        for t in 0..<n {
            for i in chunkSpikes[t].indices {
                chunkSpikes[t][i].channels.removeAll(keepingCapacity: true)
                chunkSpikes[t][i].ticks.removeAll(keepingCapacity: true)
                chunkSpikes[t][i].polarity.removeAll(keepingCapacity: true)
            }
        }
    }

    public mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens n: Int,
                             site: AccountingUnit, unit: Int, counts: UnsafeMutablePointer<TokenCounts>) {
        guard siteIndex[site] != nil else {
            dense.run(p, input: input, output: output, tokens: n, site: site, unit: unit, counts: counts)
            return
        }
        runSite(p, input: input, output: output, tokens: n, site: site, unit: unit, counts: counts, paired: nil)
    }

    /// Whether `site` spikes in this run.
    public func spikes(at site: AccountingUnit) -> Bool { siteIndex[site] != nil }

    /// Rows of another model (the dense reference) that go through the same projection as this
    /// site's tokens, so that one GEMM reads the weights for both.
    struct PairedRows {
        var input: UnsafePointer<Float>
        /// Must be immediately followed in memory by the spiking rows' output.
        var output: UnsafeMutablePointer<Float>
        var counts: UnsafeMutablePointer<TokenCounts>
    }

    /// One spiking site over n tokens: encode each token's input, deliver the events (or their
    /// decoded values through a GEMM, together with `paired`'s dense rows when given), count.
    mutating func runSite(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens n: Int,
                          site: AccountingUnit, unit: Int, counts: UnsafeMutablePointer<TokenCounts>, paired: PairedRows?) {
        let s = siteIndex[site]!, v = thresholds[site]!
        precondition(n <= chunkTokens, "beginChunk(tokens:) was not called for this chunk")
        let projection = columnMajorCopies[site] ?? p
        let fanIn = p.fanIn, fanOut = p.fanOut, neuron = self.neuron
        var membraneUpdates = [Int](repeating: 0, count: n)
        let timesteps = parameters.timesteps
        v.withUnsafeBufferPointer { vb in
            let thresholds = vb.baseAddress!
            // Each token's neurons start from rest, so tokens encode independently: token ranges on
            // the workers, each with its own membrane scratch.
            chunkSpikes.withUnsafeMutableBufferPointer { spikes in
                membraneUpdates.withUnsafeMutableBufferPointer { updates in
                    forEachRange(of: n, work: n * fanIn * timesteps * 4, threads: dense.threads) { tokens in
                        let membrane = UnsafeMutablePointer<Float>.allocate(capacity: max(fanIn, 1))
                        defer { membrane.deallocate() }
                        for t in tokens {
                            updates[t] = neuron.encode(events: &spikes[t][s], membrane: membrane, input: input + t * fanIn,
                                                       thresholds: thresholds, count: fanIn)
                        }
                    }
                }
            }
            if delivery == .events || (delivery == .auto && n == 1) {
                if let paired { dense.multiply(projection, input: paired.input, output: paired.output, tokens: n) }
                for t in 0..<n {
                    parallelDeliverEvents(output + t * fanOut, events: chunkSpikes[t][s], thresholds: thresholds, projection,
                                          threads: dense.threads, minimumWork: dense.minimumParallelWork / 2)
                }
                return
            }
            // Decoded inputs, laid out for a GEMM of the paired dense rows (first) and these.
            let rows = paired == nil ? n : 2 * n
            if gemmInput.count < rows * fanIn { gemmInput = [Float](repeating: 0, count: rows * fanIn) }
            gemmInput.withUnsafeMutableBufferPointer { buffer in
                let stacked = buffer.baseAddress!
                let decoded = stacked + (rows - n) * fanIn
                chunkSpikes.withUnsafeBufferPointer { spikes in
                    forEachRange(of: n, work: n * fanIn, threads: dense.threads) { tokens in
                        for t in tokens {
                            let row = decoded + t * fanIn
                            row.update(repeating: 0, count: fanIn)
                            let events = spikes[t][s]
                            for e in 0..<events.count {
                                let i = Int(events.channels[e])
                                row[i] += Float(events.polarity[e]) * thresholds[i]  // payload · V
                            }
                        }
                    }
                }
                var useGEMM = delivery == .gemm
                if !useGEMM {
                    decodedRows.fill(from: decoded, tokens: n, fanIn: fanIn, threads: dense.threads)
                    useGEMM = delivery == .auto && Double(decodedRows.nonzeros) > gemmDensity * Double(n * fanIn)
                }
                if useGEMM {
                    if let paired {
                        precondition(paired.output + n * fanOut == output, "paired rows must precede the spiking rows")
                        stacked.update(from: paired.input, count: n * fanIn)
                    }
                    gemmProject(paired?.output ?? output, stacked, tokens: rows, projection, threads: dense.threads)
                } else {
                    if let paired { dense.multiply(projection, input: paired.input, output: paired.output, tokens: n) }
                    sparseProject(output, decodedRows, tokens: n, projection, threads: dense.threads)
                }
            }
        }
        if let paired {
            for t in 0..<n { paired.counts[t].denseProjection(unit, fanIn, fanOut, bias: p.bias != nil) }
        }
        // Shared reads: each channel that fired anywhere in the chunk reads its column once, plus
        // the thresholds and the bias once per chunk.
        var active = [Bool](repeating: false, count: fanIn)
        var distinct = 0
        for t in 0..<n {
            for channel in chunkSpikes[t][s].channels where !active[Int(channel)] {
                active[Int(channel)] = true
                distinct += 1
            }
        }
        let sharedTotal = distinct * fanOut + fanIn + (p.bias == nil ? 0 : fanOut)
        for t in 0..<n { counts[t].weightsReadShared[unit] = evenShare(sharedTotal, of: n, token: t) }
        for t in 0..<n {
            counts[t].counts[unit] += neuron.counts(events: chunkSpikes[t][s], fanIn: fanIn, fanOut: fanOut, hasBias: p.bias != nil,
                                                   membraneUpdates: membraneUpdates[t])
        }
    }
}

/// A spiking model and its dense reference run together as two lanes of one forward pass (rows
/// 0..<n the dense model's tokens, n..<2n the spiking model's): every projection reads its weights
/// once for both, in one GEMM, instead of once per model.
struct PairedRunner: ProjectionRunner {
    var spiking: SpikingRunner

    mutating func beginChunk(tokens rows: Int) { spiking.beginChunk(tokens: rows / 2) }

    mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens rows: Int,
                      site: AccountingUnit, unit: Int, counts: UnsafeMutablePointer<TokenCounts>) {
        let n = rows / 2
        guard spiking.spikes(at: site) else {
            spiking.dense.run(p, input: input, output: output, tokens: rows, site: site, unit: unit, counts: counts)
            return
        }
        spiking.runSite(p, input: input + n * p.fanIn, output: output + n * p.fanOut, tokens: n, site: site, unit: unit,
                        counts: counts + n, paired: .init(input: input, output: output, counts: counts))
    }
}

extension LanguageModel {
    /// The projection at a site (`mixer.in_proj`, …, `lm_head`), or nil when the model has none there.
    public func projection(at site: AccountingUnit) -> Projection? {
        guard let layer = site.layer else { return site.kind == .lmHead ? lmHead : nil }
        guard blocks.indices.contains(layer) else { return nil }
        let block = blocks[layer]
        switch site.kind {
        case .mixerInProj: return block.mixer.inProj
        case .mixerOutProj: return block.mixer.outProj
        case .mlpGateUpProj: return block.mlp?.gateUp
        case .mlpDownProj: return block.mlp?.down
        default: return nil
        }
    }

    /// A copy of the model with the projection at `site` replaced (precondition: the model has one there).
    public func replacing(_ site: AccountingUnit, with p: Projection) -> LanguageModel {
        var m = self
        if let layer = site.layer {
            switch site.kind {
            case .mixerInProj: m.blocks[layer].mixer.inProj = p
            case .mixerOutProj: m.blocks[layer].mixer.outProj = p
            case .mlpGateUpProj: m.blocks[layer].mlp!.gateUp = p
            case .mlpDownProj: m.blocks[layer].mlp!.down = p
            default: preconditionFailure("no projection at \(site.name)")
            }
        } else {
            precondition(site.kind == .lmHead, "no projection at \(site.name)")
            m.lmHead = p
        }
        return m
    }

    /// Every projection site of the model (block projections, and lm_head unless tied to the embedding).
    public var projectionSites: [AccountingUnit] {
        var sites: [AccountingUnit] = []
        for layer in blocks.indices {
            sites += [AccountingUnit(layer: layer, kind: .mixerInProj), AccountingUnit(layer: layer, kind: .mixerOutProj)]
            if blocks[layer].mlp != nil {
                sites += [AccountingUnit(layer: layer, kind: .mlpGateUpProj), AccountingUnit(layer: layer, kind: .mlpDownProj)]
            }
        }
        if !shape.tiedHead { sites.append(AccountingUnit(layer: nil, kind: .lmHead)) }
        return sites
    }

    /// The model a run computes with. Spiking sites need column-major weights (event delivery); with
    /// a `cache`, every fp32 projection is also mapped column-major from it: decode's two-halves GEMV
    /// streams columns faster than the row-major GEMV streams rows (1.3B fp32: 319 vs 398–429
    /// ms/token on a Zen 3 VM), and SkylakeX SGEMM reads a transposed operand at half speed
    /// (docs/DESIGN.md §7) — the row-major originals are then not read at all (one copy in memory). bf16/f16 projections that do not spike stay in
    /// place (their decode streams half the bytes), as does a tied head (it is the embedding).
    public func preparedForRun(spikingSites: [AccountingUnit], cache: ColumnCache?,
                               progress: (String) -> Void = { _ in }) throws -> LanguageModel {
        var sites = spikingSites
        if cache != nil && source != nil {
            let spiking = Set(spikingSites)
            sites += projectionSites.filter { !spiking.contains($0) && projection(at: $0)!.storage.element == .f32 }
        }
        return try preparedForEvents(sites: sites, cache: cache, progress: progress)
    }

    /// The model with every projection at `sites` in column-major fp32, as event delivery needs:
    /// mapped from `cache` (built there on first use) when the model came from a checkpoint and a
    /// cache is given, else transposed in memory. Projections already column-major are kept.
    /// `progress` is told when a cache entry is being built (it takes a while at 1B scale).
    public func preparedForEvents(sites: [AccountingUnit], cache: ColumnCache?,
                                  progress: (String) -> Void = { _ in }) throws -> LanguageModel {
        let needed = sites.filter { projection(at: $0).map { $0.layout != .columnMajor } ?? false }
        guard !needed.isEmpty else { return self }
        var model = self
        if let cache, let source {
            let requests = needed.map { ColumnCache.Request(name: $0.name, projection: projection(at: $0)!) }
            let (columns, built) = try cache.columnMajor(requests, source: source)
            if built > 0 { progress("column cache: built \(built) of \(needed.count) projections in \(cache.directory.path)") }
            for (site, p) in zip(needed, columns) { model = model.replacing(site, with: p) }
            for site in needed { releaseOriginal(site) }
        } else {
            for site in needed {
                model = model.replacing(site, with: projection(at: site)!.columnMajor())
                releaseOriginal(site)
            }
        }
        return model
    }

    /// The run reads the column-major copy only: drops the original's pages from this process (a
    /// calibration pass or the transpose made them resident), so memory holds one copy of the
    /// weights — in the transposing loop, one projection at a time.
    private func releaseOriginal(_ site: AccountingUnit) {
        projection(at: site)!.storage.releasePages()
    }
}
