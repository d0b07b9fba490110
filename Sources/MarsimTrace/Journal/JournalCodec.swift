import MarsimCore

/// How one token is stored in a journal record (all little-endian):
///
///     i64 position, i64 token id
///     u8 fidelity flag (0 none, 1 present); if present: f64 KL, u8 top-1, f64 dense NLL, f64 spiking NLL (NaN = nil)
///     varint chunk length; u8 flag (0: no shared weight reads, 1: U zigzag varints follow, one per unit)
///     U × F counters (F = `Counter.all.count`): zigzag varint of the difference from the same counter of the previous token
///         in this record (from 0 for a record's first token), units in metadata order, fields in
///         `ActivityCounts.fieldNames` order
///     events level only, for each spiking site s in order: u32 e, e × u32 channel, e × u8 tick, e × i8 polarity
///
/// Counters change little from token to token, so most differences take one byte.
///
/// To add a per-token value to traces, encode it here (append at the end of a token, and bump
/// `TraceJournal.version`), decode it in `decode`, write it in `TokenColumns`, and read/check it
/// in `TraceReader` (see `TraceFormat`, "Adding a per-token dataset").
struct JournalCodec {
    let unitCount: Int
    let siteCount: Int
    let events: Bool

    init(metadata: RunMetadata, level: TraceLevel) {
        unitCount = metadata.units.count
        siteCount = metadata.spikingSites.count
        events = level == .events && !metadata.spikingSites.isEmpty
    }

    /// Appends `token` to `out`; `previous` holds the previous token's counters in this record
    /// (all zero for the first) and is updated.
    func encode(_ token: TokenActivity, previous: inout [Int64], into out: inout ByteWriter) {
        out.append(Int64(token.position))
        out.append(Int64(token.tokenID))
        if let fidelity = token.fidelity {
            out.append(UInt8(1))
            out.append(fidelity.klNats)
            out.append(UInt8(fidelity.top1Agrees ? 1 : 0))
            out.append(fidelity.denseNLL ?? .nan)
            out.append(fidelity.spikingNLL ?? .nan)
        } else {
            out.append(UInt8(0))
        }
        out.appendVarint(UInt64(max(0, token.chunkLength)))
        if let shared = token.weightsReadShared {
            out.append(UInt8(1))
            for value in shared { out.appendSignedVarint(Int64(value)) }
        } else {
            out.append(UInt8(0))
        }
        var index = 0
        for unit in token.counts {
            for value in unit.fields {
                let value = Int64(value)
                out.appendSignedVarint(value &- previous[index])
                previous[index] = value
                index += 1
            }
        }
        guard events else { return }
        var bySite = [SiteSpikes?](repeating: nil, count: siteCount)
        for spikes in token.spikes { bySite[spikes.site] = spikes }
        for site in 0..<siteCount {
            guard let spikes = bySite[site], spikes.count > 0 else {
                out.append(UInt32(0))
                continue
            }
            out.append(UInt32(spikes.count))
            out.append(contentsOf: spikes.channels)
            out.append(contentsOf: spikes.ticks)
            out.append(contentsOf: spikes.polarity)
        }
    }

    /// Reads one token written by `encode`. Throws `ByteReader.Overrun` when the bytes end early or
    /// a counter does not fit; values are checked later by `TraceInputValidation`.
    func decode(_ input: inout ByteReader, previous: inout [Int64]) throws -> TokenActivity {
        let position = Int(try input.read(Int64.self))
        let tokenID = Int(try input.read(Int64.self))
        var fidelity: TokenFidelity?
        switch try input.read(UInt8.self) {
        case 0: fidelity = nil
        case 1:
            let kl = try input.readDouble()
            let top1 = try input.read(UInt8.self)
            let dense = try input.readDouble()
            let spiking = try input.readDouble()
            fidelity = TokenFidelity(klNats: kl, top1Agrees: top1 == 1, denseNLL: dense.isNaN ? nil : dense,
                                     spikingNLL: spiking.isNaN ? nil : spiking)
        default: throw ByteReader.Overrun()
        }
        guard let chunkLength = Int(exactly: try input.readVarint()) else { throw ByteReader.Overrun() }
        var shared: [Int]?
        switch try input.read(UInt8.self) {
        case 0: shared = nil
        case 1:
            guard unitCount <= input.remaining else { throw ByteReader.Overrun() }
            shared = try (0..<unitCount).map { _ in Int(try input.readSignedVarint()) }
        default: throw ByteReader.Overrun()
        }
        let fieldCount = ActivityCounts.fieldNames.count
        var counts: [ActivityCounts] = []
        counts.reserveCapacity(unitCount)
        var index = 0
        var fields = [Int](repeating: 0, count: fieldCount)
        for _ in 0..<unitCount {
            for f in 0..<fieldCount {
                let (value, overflow) = previous[index].addingReportingOverflow(try input.readSignedVarint())
                guard !overflow else { throw ByteReader.Overrun() }
                previous[index] = value
                fields[f] = Int(value)
                index += 1
            }
            counts.append(ActivityCounts(fields: fields))
        }
        var spikes: [SiteSpikes] = []
        if events {
            for site in 0..<siteCount {
                let count = Int(try input.read(UInt32.self))
                guard count > 0 else { continue }
                guard count <= input.remaining / 6 else { throw ByteReader.Overrun() }
                spikes.append(SiteSpikes(site: site, channels: try input.readArray(UInt32.self, count: count),
                                         ticks: try input.readArray(UInt8.self, count: count),
                                         polarity: try input.readArray(Int8.self, count: count)))
            }
        }
        return TokenActivity(position: position, tokenID: tokenID, counts: counts, spikes: spikes, fidelity: fidelity,
                             chunkLength: chunkLength, weightsReadShared: shared)
    }
}
