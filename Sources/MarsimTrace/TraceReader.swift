import MarsimCore
import MarsimHDF5

/// Reads a trace written by `TraceWriter`: metadata, per-token counters and fidelity, and events.
///
/// `init` checks the whole layout (types, shapes, consistency) so that a bad file fails at once
/// with a one-line `TraceError`; later reads only fetch data. A trace whose writer never
/// finished (a killed run) opens normally with `isComplete == false` and its flushed tokens.
///
/// Only the first `tokensWritten` rows of each per-token dataset, and the events they account
/// for, are read; rows past them (a run killed during a flush) are ignored.
public final class TraceReader {
    public let path: String
    /// The run's metadata; `endTime` is nil unless the trace is complete.
    public let metadata: RunMetadata
    public let level: TraceLevel
    /// `/marsim@format_version`.
    public let formatVersion: [UInt32]
    /// Whether the writer finished (`/marsim@complete == 1`).
    public let isComplete: Bool
    /// Complete tokens in the trace (`/marsim@tokens_flushed`).
    public let tokensWritten: Int
    /// The SONATA populations (spiking site names) at `events` level; empty at `counts` level.
    public let populations: [String]

    private let access: TraceFileAccess
    /// eventOffsets[site][k] is the first row of token k's events in that site's population;
    /// eventOffsets[site][tokensWritten] is the number of events. Empty at `counts` level.
    private let eventOffsets: [[Int]]

    /// Opens and checks the trace at `path`.
    ///
    /// - Throws: `TraceError` (one line naming the file and what is wrong): `.cannotOpen` for a
    ///   missing, non-HDF5 or truncated file; `.notATrace` for a wrong magic, version or missing
    ///   `/marsim`; `.missing`, `.wrongType`, `.wrongShape`, `.inconsistent` for a damaged layout.
    public init(path: String) throws {
        self.path = path
        let access = try TraceFileAccess(opening: path)
        do {
            try Self.checkIdentity(access)
            let marsim = try access.group(TraceFormat.marsim)
            formatVersion = try access.attributeArray("format_version", of: marsim, as: UInt32.self)
            guard formatVersion.count == 2, formatVersion[0] == TraceFormat.formatVersion[0] else {
                throw TraceError.notATrace(path: path, reason:
                    "format version \(formatVersion) is not readable by this marsim (reads \(TraceFormat.formatVersion[0]).x)")
            }
            let levelName = try access.stringAttribute("level", of: marsim)
            guard let level = TraceLevel(rawValue: levelName) else {
                throw TraceError.inconsistent(path: path, reason: "unknown level \"\(levelName)\"")
            }
            self.level = level
            isComplete = try marsim.hasAttribute("complete")
                && access.attribute("complete", of: marsim, as: UInt8.self) == 1
            let flushed = try access.attribute("tokens_flushed", of: marsim, as: Int64.self)
            guard flushed >= 0 else { throw TraceError.inconsistent(path: path, reason: "tokens_flushed is \(flushed)") }
            tokensWritten = Int(flushed)
            metadata = try RunMetadata(trace: access, complete: isComplete)
            try Self.checkTokenTables(access, metadata: metadata, level: level, tokens: tokensWritten, exact: isComplete)
            if level == .events {
                populations = metadata.spikingSites.map(\.name)
                eventOffsets = try Self.eventOffsets(access, metadata: metadata, tokens: tokensWritten)
                try Self.checkPopulations(access, populations: populations, offsets: eventOffsets, exact: isComplete)
            } else {
                populations = []
                eventOffsets = []
            }
        } catch let error as HDF5Error {
            throw TraceError.hdf5(path: path, error: error)
        }
        self.access = access
    }

    // MARK: - Per-token data

    /// Positions of the tokens, in trace order.
    public func positions() throws -> [Int] {
        try column(TraceFormat.tokenColumn("position"), Int64.self).map { Int($0) }
    }

    /// Input token ids of the tokens, in trace order.
    public func tokenIDs() throws -> [Int] {
        try column(TraceFormat.tokenColumn("token_id"), Int64.self).map { Int($0) }
    }

    /// Fidelity per token; nil where the writer was given none.
    public func fidelity() throws -> [TokenFidelity?] {
        let kl = try column(TraceFormat.tokenColumn("kl_nats"), Double.self)
        let top1 = try column(TraceFormat.tokenColumn("top1_agrees"), Int8.self)
        let dense = try column(TraceFormat.tokenColumn("dense_nll"), Double.self)
        let spiking = try column(TraceFormat.tokenColumn("spiking_nll"), Double.self)
        return (0..<tokensWritten).map { k in
            guard top1[k] >= 0 else { return nil }
            return TokenFidelity(klNats: kl[k], top1Agrees: top1[k] == 1,
                                 denseNLL: dense[k].isNaN ? nil : dense[k], spikingNLL: spiking[k].isNaN ? nil : spiking[k])
        }
    }

    /// Counters per token and unit (`result[k][u]`, units in `metadata.units` order) for `tokens`
    /// (default: all). Memory is tokens × units × 13 integers; use `totalCounts()` for sums.
    public func counts(tokens: Range<Int>? = nil) throws -> [[ActivityCounts]] {
        let tokens = try checkedRange(tokens)
        let unitCount = metadata.units.count
        let tables = try hdf5 {
            try ActivityCounts.fieldNames.map { field in
                try access.file.openDataset(TraceFormat.counter(field)).read(as: Int64.self, rows: tokens)
            }
        }
        return (0..<tokens.count).map { k in
            (0..<unitCount).map { u in
                ActivityCounts(fields: tables.map { Int($0[k * unitCount + u]) })
            }
        }
    }

    /// Tokens in each token's chunk (1 = run alone), or nil for a format 1.0 trace that does not record it.
    public func chunkLengths() throws -> [Int]? {
        guard try access.exists(TraceFormat.tokenColumn("chunk_length")) else { return nil }
        return try column(TraceFormat.tokenColumn("chunk_length"), Int64.self).map { Int($0) }
    }

    /// Weight reads per token and unit with fetches shared by each chunk (`result[k][u]`), or nil for a
    /// format 1.0 trace.
    public func sharedWeightReads(tokens: Range<Int>? = nil) throws -> [[Int]]? {
        guard try access.exists(TraceFormat.tokenColumn("weights_read_shared")) else { return nil }
        let tokens = try checkedRange(tokens)
        let unitCount = metadata.units.count
        let table = try hdf5 { try access.file.openDataset(TraceFormat.tokenColumn("weights_read_shared")).read(as: Int64.self, rows: tokens) }
        guard table.count == tokens.count * unitCount else {
            throw TraceError.wrongShape(path: path, object: TraceFormat.tokenColumn("weights_read_shared"),
                                        expected: "[\(tokens.count), \(unitCount)]", found: [table.count])
        }
        return (0..<tokens.count).map { k in (0..<unitCount).map { Int(table[k * unitCount + $0]) } }
    }

    /// Counters per unit summed over every token, read in blocks so memory stays small.
    public func totalCounts() throws -> [ActivityCounts] {
        var totals = [ActivityCounts](repeating: ActivityCounts(), count: metadata.units.count)
        let block = 1024
        for start in stride(from: 0, to: tokensWritten, by: block) {
            for token in try counts(tokens: start ..< min(tokensWritten, start + block)) {
                for (u, unit) in token.enumerated() { totals[u] += unit }
            }
        }
        return totals
    }

    // MARK: - Events

    /// Events per spiking site per token (`result[k][site]`); all zero at `counts` level.
    public func eventCounts() -> [[Int]] {
        let sites = metadata.spikingSites.count
        guard level == .events else { return Array(repeating: Array(repeating: 0, count: sites), count: tokensWritten) }
        return (0..<tokensWritten).map { k in (0..<sites).map { eventOffsets[$0][k + 1] - eventOffsets[$0][k] } }
    }

    /// Total events per population, in `populations` order.
    public func eventTotals() -> [Int] { eventOffsets.map { $0[tokensWritten] } }

    /// The events of `population` during `tokens` (default: all).
    ///
    /// - Throws: `TraceError.invalidRequest` for an unknown population or a `counts`-level trace.
    public func events(population: String, tokens: Range<Int>? = nil) throws -> SpikeEvents {
        guard level == .events else {
            throw TraceError.invalidRequest(path: path, reason: "a counts-level trace has no events")
        }
        guard let site = populations.firstIndex(of: population) else {
            throw TraceError.invalidRequest(path: path, reason: "no population \"\(population)\"")
        }
        let tokens = try checkedRange(tokens)
        let rows = eventOffsets[site][tokens.lowerBound] ..< eventOffsets[site][tokens.upperBound]
        let group = TraceFormat.population(population)
        return try hdf5 {
            SpikeEvents(
                nodeIDs: try access.file.openDataset(group + "/node_ids").read(as: UInt64.self, rows: rows),
                timestampsMs: try access.file.openDataset(group + "/timestamps").read(as: Double.self, rows: rows),
                polarity: try access.file.openDataset(group + "/polarity").read(as: Int8.self, rows: rows))
        }
    }

    /// Token `index`'s spikes per site, with ticks recovered from the timestamps through the
    /// tick schedule (exact: timestamps are whole ticks × the tick period).
    public func spikes(token index: Int) throws -> [SiteSpikes] {
        let position = try column(TraceFormat.tokenColumn("position"), Int64.self, rows: index ..< index + 1)[0]
        let schedule = metadata.schedule
        return try populations.enumerated().map { site, name in
            let events = try events(population: name, tokens: index ..< index + 1)
            let firstTick = schedule.globalTick(token: Int(position), site: site, tick: 0)
            let ticks = events.timestampsMs.map { UInt8(clamping: Int(($0 / schedule.tickPeriodMs).rounded()) - firstTick) }
            return SiteSpikes(site: site, channels: events.nodeIDs.map { UInt32(clamping: $0) }, ticks: ticks,
                              polarity: events.polarity)
        }
    }

    /// Everything recorded for token `index`, as the writer was given it (spikes empty at `counts` level).
    public func activity(token index: Int) throws -> TokenActivity {
        let range = try checkedRange(index ..< index + 1)
        let position = try column(TraceFormat.tokenColumn("position"), Int64.self, rows: range)[0]
        let tokenID = try column(TraceFormat.tokenColumn("token_id"), Int64.self, rows: range)[0]
        let fidelity = try fidelity()[index]
        return TokenActivity(position: Int(position), tokenID: Int(tokenID), counts: try counts(tokens: range)[0],
                             spikes: level == .events ? try spikes(token: index) : [], fidelity: fidelity)
    }

    // MARK: - Private

    private func column<T: H5Scalar>(_ object: String, _ type: T.Type, rows: Range<Int>? = nil) throws -> [T] {
        let rows = try checkedRange(rows)
        return try hdf5 { try access.file.openDataset(object).read(as: type, rows: rows) }
    }

    private func checkedRange(_ tokens: Range<Int>?) throws -> Range<Int> {
        let tokens = tokens ?? 0 ..< tokensWritten
        guard tokens.lowerBound >= 0, tokens.upperBound <= tokensWritten else {
            throw TraceError.invalidRequest(path: path, reason: "tokens \(tokens) outside 0..<\(tokensWritten)")
        }
        return tokens
    }

    private func hdf5<R>(_ body: () throws -> R) throws -> R {
        do { return try body() } catch let error as HDF5Error { throw TraceError.hdf5(path: path, error: error) }
    }

    /// SONATA root attributes and the `/marsim` group.
    private static func checkIdentity(_ access: borrowing TraceFileAccess) throws {
        let path = access.path
        guard try access.file.hasAttribute("magic") else {
            throw TraceError.notATrace(path: path, reason: "no root attribute magic (expected 0x0A7A)")
        }
        let magic = try access.attributeArray("magic", of: access.file, as: UInt32.self)
        guard magic == [TraceFormat.magic] else {
            let found = magic.map { "0x" + String($0, radix: 16, uppercase: true) }.joined(separator: ", ")
            throw TraceError.notATrace(path: path, reason: "root attribute magic is \(found), expected 0x0A7A")
        }
        let version = try access.attributeArray("version", of: access.file, as: UInt32.self)
        guard version.count == 2 else {
            throw TraceError.wrongShape(path: path, object: "root attribute version", expected: "2 values", found: [version.count])
        }
        guard try access.exists(TraceFormat.marsim) else {
            throw TraceError.notATrace(path: path, reason: "a SONATA spike file without marsim's /marsim group")
        }
    }

    /// Every per-token dataset: type, row width, and at least `tokens` rows (exactly, if `exact`).
    private static func checkTokenTables(_ access: borrowing TraceFileAccess, metadata: RunMetadata, level: TraceLevel,
                                         tokens: Int, exact: Bool) throws {
        func check<T: H5Scalar>(_ object: String, _ type: T.Type, width: Int?) throws {
            let shape = try access.dataset(object, type, rank: width == nil ? 1 : 2).shape()
            let wanted = width.map { "[\(tokens), \($0)]" } ?? "[\(tokens)]"
            if let width, shape[1] != width {
                throw TraceError.wrongShape(path: access.path, object: object, expected: wanted, found: shape)
            }
            if shape[0] < tokens || (exact && shape[0] != tokens) {
                throw TraceError.wrongShape(path: access.path, object: object, expected: wanted + " (tokens_flushed rows)",
                                            found: shape)
            }
        }
        try check(TraceFormat.tokenColumn("position"), Int64.self, width: nil)
        try check(TraceFormat.tokenColumn("token_id"), Int64.self, width: nil)
        try check(TraceFormat.tokenColumn("kl_nats"), Double.self, width: nil)
        try check(TraceFormat.tokenColumn("top1_agrees"), Int8.self, width: nil)
        try check(TraceFormat.tokenColumn("dense_nll"), Double.self, width: nil)
        try check(TraceFormat.tokenColumn("spiking_nll"), Double.self, width: nil)
        if level == .events && !metadata.spikingSites.isEmpty {
            try check(TraceFormat.tokenColumn("event_counts"), UInt64.self, width: metadata.spikingSites.count)
        }
        for field in ActivityCounts.fieldNames {
            try check(TraceFormat.counter(field), Int64.self, width: metadata.units.count)
        }
    }

    /// Prefix sums of `tokens/event_counts` per site.
    private static func eventOffsets(_ access: borrowing TraceFileAccess, metadata: RunMetadata, tokens: Int) throws -> [[Int]] {
        let sites = metadata.spikingSites.count
        guard sites > 0 else { return [] }
        let counts = try access.file.openDataset(TraceFormat.tokenColumn("event_counts")).read(as: UInt64.self, rows: 0 ..< tokens)
        return (0..<sites).map { site in
            var offsets = [0]
            offsets.reserveCapacity(tokens + 1)
            for k in 0..<tokens { offsets.append(offsets[k] + Int(counts[k * sites + site])) }
            return offsets
        }
    }

    /// Each population: `sorting` = by_time, the three datasets with their types and enough rows.
    private static func checkPopulations(_ access: borrowing TraceFileAccess, populations: [String], offsets: [[Int]],
                                         exact: Bool) throws {
        for (site, name) in populations.enumerated() {
            let object = TraceFormat.population(name)
            let group = try access.group(object)
            try access.requireAttribute("sorting", of: group)
            let sorting = try group.readEnumAttribute("sorting")
            guard sorting == "by_time" else {
                throw TraceError.inconsistent(path: access.path, reason: "\(object)@sorting is \(sorting), expected by_time")
            }
            let events = offsets[site].last ?? 0
            let timestamps = try access.dataset(object + "/timestamps", Double.self, rank: 1)
            let units = try access.stringAttribute("units", of: timestamps)
            guard units == "ms" else {
                throw TraceError.inconsistent(path: access.path, reason: "\(object)/timestamps@units is \"\(units)\", expected \"ms\"")
            }
            let lengths = [
                ("node_ids", try access.dataset(object + "/node_ids", UInt64.self, rank: 1).shape()[0]),
                ("timestamps", try timestamps.shape()[0]),
                ("polarity", try access.dataset(object + "/polarity", Int8.self, rank: 1).shape()[0]),
            ]
            for (dataset, length) in lengths where length < events || (exact && length != events) {
                throw TraceError.inconsistent(path: access.path, reason:
                    "\(object)/\(dataset) has \(length) events but tokens/event_counts accounts for \(events)")
            }
        }
    }
}
