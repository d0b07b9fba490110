import MarsimCore
import MarsimHDF5

/// The per-token tables under `/marsim/tokens` and `/marsim/counts`.
final class TokenColumns {
    private let position: BufferedColumn<Int64>
    private let tokenID: BufferedColumn<Int64>
    private let klNats: BufferedColumn<Double>
    private let top1Agrees: BufferedColumn<Int8>
    private let denseNLL: BufferedColumn<Double>
    private let spikingNLL: BufferedColumn<Double>
    /// Events per site, [K, S]; nil at counts level or without spiking sites.
    private let eventCounts: BufferedColumn<UInt64>?
    /// One [K, U] table per `ActivityCounts.fieldNames` entry.
    private let counts: [BufferedColumn<Int64>]
    /// Tokens in each token's chunk, [K] (format 1.1).
    private let chunkLength: BufferedColumn<Int64>
    /// Weight reads with fetches shared by the chunk, [K, U] (format 1.1).
    private let weightsReadShared: BufferedColumn<Int64>

    init(in file: borrowing H5File, unitCount: Int, siteCount: Int, level: TraceLevel) throws {
        let tokens = try file.createGroup(TraceFormat.tokens)
        let rows = TraceFormat.tokenChunkRows(rowBytes: 8)
        position = try BufferedColumn(in: tokens, "position", rowWidth: nil, chunkRows: rows)
        tokenID = try BufferedColumn(in: tokens, "token_id", rowWidth: nil, chunkRows: rows)
        klNats = try BufferedColumn(in: tokens, "kl_nats", rowWidth: nil, chunkRows: rows)
        top1Agrees = try BufferedColumn(in: tokens, "top1_agrees", rowWidth: nil, chunkRows: rows)
        denseNLL = try BufferedColumn(in: tokens, "dense_nll", rowWidth: nil, chunkRows: rows)
        spikingNLL = try BufferedColumn(in: tokens, "spiking_nll", rowWidth: nil, chunkRows: rows)
        chunkLength = try BufferedColumn(in: tokens, "chunk_length", rowWidth: nil, chunkRows: rows)
        weightsReadShared = try BufferedColumn(in: tokens, "weights_read_shared", rowWidth: unitCount,
                                               chunkRows: TraceFormat.tokenChunkRows(rowBytes: 8 * unitCount))
        if level == .events && siteCount > 0 {
            eventCounts = try BufferedColumn(in: tokens, "event_counts", rowWidth: siteCount,
                                             chunkRows: TraceFormat.tokenChunkRows(rowBytes: 8 * siteCount))
        } else {
            eventCounts = nil
        }
        let countsGroup = try file.createGroup(TraceFormat.counts)
        let countRows = TraceFormat.tokenChunkRows(rowBytes: 8 * unitCount)
        counts = try ActivityCounts.fieldNames.map { field in
            try BufferedColumn(in: countsGroup, field, rowWidth: unitCount, chunkRows: countRows)
        }
    }

    /// Buffers one token's row in every table. `eventsPerSite` has one entry per spiking site.
    func add(_ token: TokenActivity, eventsPerSite: [Int]) {
        position.add(Int64(token.position))
        tokenID.add(Int64(token.tokenID))
        if let fidelity = token.fidelity {
            klNats.add(fidelity.klNats)
            top1Agrees.add(fidelity.top1Agrees ? 1 : 0)
            denseNLL.add(fidelity.denseNLL ?? .nan)
            spikingNLL.add(fidelity.spikingNLL ?? .nan)
        } else {
            klNats.add(.nan)
            top1Agrees.add(-1)
            denseNLL.add(.nan)
            spikingNLL.add(.nan)
        }
        eventCounts?.add(contentsOf: eventsPerSite.lazy.map { UInt64($0) })
        chunkLength.add(Int64(token.chunkLength))
        weightsReadShared.add(contentsOf: token.sharedWeightReads.lazy.map { Int64($0) })
        for unit in token.counts {
            for (field, value) in unit.fields.enumerated() {
                counts[field].add(Int64(value))
            }
        }
    }

    func write() throws {
        for column in [position, tokenID, chunkLength, weightsReadShared] { try column.write() }
        for column in [klNats, denseNLL, spikingNLL] { try column.write() }
        try top1Agrees.write()
        try eventCounts?.write()
        for column in counts { try column.write() }
    }
}
