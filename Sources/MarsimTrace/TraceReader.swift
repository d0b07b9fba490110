import Foundation
import MarsimCore
import MarsimHDF5

/// Reads a trace written by `TraceWriter`: metadata, per-token counters and fidelity, and events.
///
/// `init` checks the whole layout (types, shapes, consistency) so that a bad file fails at once
/// with a one-line `TraceError`; later reads only fetch data. A trace whose run stopped early
/// opens with `isComplete == false` and its tokens. A **journal** left by a killed run
/// (`<trace>.partial`) opens too: its whole records are rebuilt into a temporary HDF5 file first
/// (`recoveredFromJournal`).
///
/// Hostile files: every size is bounded by what the file stores before anything is allocated
/// (`TraceFileAccess.requireStoredRows`, `TraceReadBudget`), every count is checked to be
/// non-negative and every sum to fit, so a damaged or crafted file gives a `TraceError`, never a
/// trap, a hang or an unbounded allocation.
///
/// Only the first `tokensWritten` rows of each per-token dataset, and the events they account
/// for, are read; rows past them are ignored.
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
    /// Whether `path` is a killed run's journal, read through a temporary HDF5 rebuild.
    public let recoveredFromJournal: Bool
    /// Which counters the file stores (older files lack later ones; see `StoredCounters`).
    let storedCounters: StoredCounters

    private let access: TraceFileAccess
    /// eventOffsets[site][k] is the first row of token k's events in that site's population;
    /// eventOffsets[site][tokensWritten] is the number of events. Empty at `counts` level.
    private let eventOffsets: [[Int]]

    /// Opens and checks the trace (or journal) at `path`.
    ///
    /// - Throws: `TraceError` (one line naming the file and what is wrong): `.cannotOpen` for a
    ///   missing, non-regular, non-HDF5 or truncated file; `.notATrace` for a wrong magic, version or missing
    ///   `/marsim`; `.missing`, `.wrongType`, `.wrongShape`, `.inconsistent` for a damaged layout;
    ///   `.tooLarge` for sizes beyond what the file stores.
    public init(path: String) throws {
        self.path = path
        _ = try TraceFileAccess.regularFileSize(path)
        recoveredFromJournal = TraceJournal.isJournal(path)
        let access = try Self.openFile(path, journal: recoveredFromJournal)
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
            storedCounters = StoredCounters(fileFields: try access.strings(TraceFormat.counterFields))
            try Self.checkTokenTables(access, metadata: metadata, level: level, tokens: tokensWritten, exact: isComplete)
            try Self.checkPositions(access, metadata: metadata, tokens: tokensWritten)
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

    /// Opens the HDF5 file at `path`, or a temporary HDF5 rebuild of the journal at `path`.
    private static func openFile(_ path: String, journal: Bool) throws -> TraceFileAccess {
        guard journal else { return try TraceFileAccess(opening: path) }
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("marsim-recovered-\(UUID().uuidString).h5").path
        defer { unlink(temporary) }  // the open file stays readable; nothing is left behind
        try recoverJournal(path, to: temporary)
        return try TraceFileAccess(opening: temporary, name: path)
    }

    /// Rebuilds the whole records of the journal `journal` into a new HDF5 trace at `output`, not
    /// marked complete (what `marsim trace` and `marsim energy` do to read a killed run's journal;
    /// the result is an ordinary trace for any HDF5 or SONATA reader). Returns the tokens recovered.
    @discardableResult
    public static func recoverJournal(_ journal: String, to output: String) throws -> Int {
        let reader = try JournalReader(path: journal)
        let header = reader.header
        let builder = try TraceBuilder(path: output, label: journal, metadata: header.metadata, level: header.level,
                                       spikeCompression: header.spikeCompression)
        let extent = try reader.scan { try builder.append($0) }
        try builder.close(complete: false, endTime: nil)
        return extent.tokens
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
    /// (default: all). Memory is tokens × units × `Counter.all.count` integers; use `totalCounts()` for sums.
    ///
    /// - Throws: `TraceError.inconsistent` for a negative counter, `.tooLarge` beyond `TraceReadBudget`.
    public func counts(tokens: Range<Int>? = nil) throws -> [[ActivityCounts]] {
        let tokens = try checkedRange(tokens)
        let unitCount = metadata.units.count
        let present = storedCounters.present
        let (cells, overflow) = tokens.count.multipliedReportingOverflow(by: unitCount)
        try TraceReadBudget.check(elements: overflow ? Int.max : cells, elementBytes: 16 * ActivityCounts.fieldNames.count,
                                  path: path, object: TraceFormat.counts)
        let tables = try hdf5 {
            try present.map { counter in
                try access.file.openDataset(TraceFormat.counter(storedCounters.fileName(of: counter))).read(as: Int64.self, rows: tokens)
            }
        }
        for (f, table) in tables.enumerated() {
            if let bad = table.firstIndex(where: { $0 < 0 }) {
                throw TraceError.inconsistent(path: path, reason:
                    "\(TraceFormat.counter(storedCounters.fileName(of: present[f]))) is negative (\(table[bad])) at token \(tokens.lowerBound + bad / max(1, unitCount))")
            }
        }
        // Tables are in `present` order; `StoredCounters` maps them back and rebuilds the absent ones.
        let byPresent = StoredCounters(fileFields: present.map(\.name))
        let neuron = metadata.neuron
        return (0..<tokens.count).map { k in
            (0..<unitCount).map { u in
                byPresent.counts(fileRow: { Int(tables[$0][k * unitCount + u]) }, neuron: neuron)
            }
        }
    }

    /// Tokens in each token's chunk (1 = run alone), or nil for a format 1.0 trace that does not record it.
    ///
    /// - Throws: `TraceError.inconsistent` for a length below 1.
    public func chunkLengths() throws -> [Int]? {
        let object = TraceFormat.tokenColumn("chunk_length")
        guard try hdf5({ try access.exists(object) }) else { return nil }
        let values = try column(object, Int64.self)
        if let bad = values.firstIndex(where: { $0 < 1 }) {
            throw TraceError.inconsistent(path: path, reason: "\(object) row \(bad) is \(values[bad]); a chunk holds at least 1 token")
        }
        return values.map { Int($0) }
    }

    /// Weight reads per token and unit with fetches shared by each chunk (`result[k][u]`), or nil for a
    /// format 1.0 trace.
    ///
    /// - Throws: `TraceError.inconsistent` for a negative value, `.tooLarge` beyond `TraceReadBudget`.
    public func sharedWeightReads(tokens: Range<Int>? = nil) throws -> [[Int]]? {
        let object = TraceFormat.tokenColumn("weights_read_shared")
        guard try hdf5({ try access.exists(object) }) else { return nil }
        let tokens = try checkedRange(tokens)
        let unitCount = metadata.units.count
        let (cells, overflow) = tokens.count.multipliedReportingOverflow(by: unitCount)
        try TraceReadBudget.check(elements: overflow ? Int.max : cells, elementBytes: 16, path: path, object: object)
        let table = try hdf5 { try access.file.openDataset(object).read(as: Int64.self, rows: tokens) }
        guard table.count == tokens.count * unitCount else {
            throw TraceError.wrongShape(path: path, object: object, expected: "[\(tokens.count), \(unitCount)]", found: [table.count])
        }
        if let bad = table.firstIndex(where: { $0 < 0 }) {
            throw TraceError.inconsistent(path: path, reason: "\(object) is negative (\(table[bad])) at token \(tokens.lowerBound + bad / max(1, unitCount))")
        }
        return (0..<tokens.count).map { k in (0..<unitCount).map { Int(table[k * unitCount + $0]) } }
    }

    /// Whether the file stores the counter named `name` (a file written before the counter existed
    /// does not: its values are rebuilt by `Counter.derivedWhenAbsent`, else read as 0).
    public func stores(counter name: String) -> Bool { storedCounters.stores(name) }

    /// Counters per unit summed over every token, read in blocks so memory stays small.
    ///
    /// - Throws: `TraceError.inconsistent` when a sum, or the sum of a field over all units and
    ///   tokens, does not fit in 64 bits (so every partial sum a caller forms fits too).
    public func totalCounts() throws -> [ActivityCounts] {
        let fieldCount = ActivityCounts.fieldNames.count
        var totals = [[Int]](repeating: [Int](repeating: 0, count: fieldCount), count: metadata.units.count)
        var grand = [Int](repeating: 0, count: fieldCount)
        let block = 1024
        func add(_ value: Int, to sum: inout Int, _ what: @autoclosure () -> String) throws {
            let (result, overflow) = sum.addingReportingOverflow(value)
            if overflow { throw TraceError.inconsistent(path: path, reason: "the sum of \(what()) does not fit in 64 bits") }
            sum = result
        }
        for start in stride(from: 0, to: tokensWritten, by: block) {
            for token in try counts(tokens: start ..< min(tokensWritten, start + block)) {
                for (u, unit) in token.enumerated() {
                    for (f, value) in unit.fields.enumerated() {
                        try add(value, to: &totals[u][f], "\(ActivityCounts.fieldNames[f]) of \(metadata.units[u].name)")
                        try add(value, to: &grand[f], "\(ActivityCounts.fieldNames[f]) over all units")
                    }
                }
            }
        }
        var spikes = grand[0]
        try add(grand[1], to: &spikes, "spikes of both polarities")
        return totals.map { ActivityCounts(fields: $0) }
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
        try TraceReadBudget.check(elements: rows.count, elementBytes: 17, path: path, object: TraceFormat.population(population))
        let group = TraceFormat.population(population)
        let events = try hdf5 {
            SpikeEvents(
                nodeIDs: try access.file.openDataset(group + "/node_ids").read(as: UInt64.self, rows: rows),
                timestampsMs: try access.file.openDataset(group + "/timestamps").read(as: Double.self, rows: rows),
                polarity: try access.file.openDataset(group + "/polarity").read(as: Int8.self, rows: rows))
        }
        let neurons = metadata.thresholds[site].count
        for e in 0..<events.count {
            let node = events.nodeIDs[e], time = events.timestampsMs[e], polarity = events.polarity[e]
            if neurons > 0 && node >= UInt64(neurons) {
                throw TraceError.inconsistent(path: path, reason: "\(group)/node_ids holds \(node), but the site has \(neurons) neurons")
            }
            if !(time >= 0 && time.isFinite) {
                throw TraceError.inconsistent(path: path, reason: "\(group)/timestamps holds \(time) ms")
            }
            if polarity == 0 || Int(polarity.magnitude) > metadata.neuron.maxPayload {
                throw TraceError.inconsistent(path: path, reason:
                    "\(group)/polarity holds \(polarity), not a nonzero payload within ±\(metadata.neuron.maxPayload)")
            }
        }
        return events
    }

    /// Token `index`'s spikes per site, with ticks recovered from the timestamps through the
    /// tick schedule (exact: timestamps are whole ticks × the tick period).
    ///
    /// - Throws: `TraceError.inconsistent` when a timestamp is not a tick of that token and site.
    public func spikes(token index: Int) throws -> [SiteSpikes] {
        let position = try column(TraceFormat.tokenColumn("position"), Int64.self, rows: index ..< index + 1)[0]
        let schedule = metadata.schedule
        return try populations.enumerated().map { site, name in
            let events = try events(population: name, tokens: index ..< index + 1)
            // Positions were checked at open so that this cannot overflow.
            let firstTick = schedule.globalTick(token: Int(position), site: site, tick: 0)
            let ticks = try events.timestampsMs.map { time -> UInt8 in
                let tick = (time / schedule.tickPeriodMs).rounded()
                guard let global = Int(exactly: tick), global >= firstTick, global - firstTick < schedule.timesteps else {
                    throw TraceError.inconsistent(path: path, reason:
                        "\(TraceFormat.population(name))/timestamps holds \(time) ms, not a tick of token \(index)")
                }
                return UInt8(global - firstTick)
            }
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
        try TraceReadBudget.check(elements: rows.count, elementBytes: MemoryLayout<T>.size, path: path, object: object)
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

    /// Every per-token dataset: type, row width, at least `tokens` rows (exactly, if `exact`), and
    /// data in the file for those rows.
    private static func checkTokenTables(_ access: borrowing TraceFileAccess, metadata: RunMetadata, level: TraceLevel,
                                         tokens: Int, exact: Bool) throws {
        func check<T: H5Scalar>(_ object: String, _ type: T.Type, width: Int?) throws {
            let dataset = try access.dataset(object, type, rank: width == nil ? 1 : 2)
            let shape = try dataset.shape()
            let wanted = width.map { "[\(tokens), \($0)]" } ?? "[\(tokens)]"
            if let width, shape[1] != width {
                throw TraceError.wrongShape(path: access.path, object: object, expected: wanted, found: shape)
            }
            if shape[0] < tokens || (exact && shape[0] != tokens) {
                throw TraceError.wrongShape(path: access.path, object: object, expected: wanted + " (tokens_flushed rows)",
                                            found: shape)
            }
            try access.requireStoredRows(dataset, object, rows: tokens, rowElements: width ?? 1, elementBytes: MemoryLayout<T>.size)
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
        let stored = StoredCounters(fileFields: try access.strings(TraceFormat.counterFields))
        for counter in stored.present {
            try check(TraceFormat.counter(stored.fileName(of: counter)), Int64.self, width: metadata.units.count)
        }
        // Format 1.1 (absent from 1.0 files): checked when present.
        if try access.exists(TraceFormat.tokenColumn("chunk_length")) {
            try check(TraceFormat.tokenColumn("chunk_length"), Int64.self, width: nil)
        }
        if try access.exists(TraceFormat.tokenColumn("weights_read_shared")) {
            try check(TraceFormat.tokenColumn("weights_read_shared"), Int64.self, width: metadata.units.count)
        }
    }

    /// Positions: non-negative, strictly increasing, and small enough that every timestamp of the
    /// tick schedule fits (so no later computation from them can overflow).
    private static func checkPositions(_ access: borrowing TraceFileAccess, metadata: RunMetadata, tokens: Int) throws {
        guard tokens > 0 else { return }
        let object = TraceFormat.tokenColumn("position")
        try TraceReadBudget.check(elements: tokens, elementBytes: 8, path: access.path, object: object)
        let positions = try access.file.openDataset(object).read(as: Int64.self, rows: 0 ..< tokens)
        let limit = Int64(Int.max / max(1, metadata.schedule.ticksPerToken) - 1)
        var previous: Int64 = -1
        for (k, position) in positions.enumerated() {
            guard position > previous, position < limit else {
                throw TraceError.inconsistent(path: access.path, reason:
                    "\(object) row \(k) is \(position)" + (position <= previous ? ", not after \(previous)" : ", beyond the tick schedule"))
            }
            previous = position
        }
    }

    /// Prefix sums of `tokens/event_counts` per site (each sum checked to fit).
    private static func eventOffsets(_ access: borrowing TraceFileAccess, metadata: RunMetadata, tokens: Int) throws -> [[Int]] {
        let sites = metadata.spikingSites.count
        guard sites > 0 else { return [] }
        let object = TraceFormat.tokenColumn("event_counts")
        let (cells, overflow) = tokens.multipliedReportingOverflow(by: sites)
        try TraceReadBudget.check(elements: overflow ? Int.max : cells, elementBytes: 16, path: access.path, object: object)
        let counts = try access.file.openDataset(object).read(as: UInt64.self, rows: 0 ..< tokens)
        return try (0..<sites).map { site in
            var offsets = [0]
            offsets.reserveCapacity(tokens + 1)
            for k in 0..<tokens {
                let count = counts[k * sites + site]
                guard let events = Int(exactly: count), case let (sum, false) = offsets[k].addingReportingOverflow(events) else {
                    throw TraceError.inconsistent(path: access.path, reason:
                        "\(object) for \(metadata.spikingSites[site].name) sums past 2^63 events by token \(k)")
                }
                offsets.append(sum)
            }
            return offsets
        }
    }

    /// Each population: `sorting` = by_time, the three datasets with their types, enough rows, and
    /// data in the file for the events the tokens account for.
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
            let nodeIDs = try access.dataset(object + "/node_ids", UInt64.self, rank: 1)
            let polarity = try access.dataset(object + "/polarity", Int8.self, rank: 1)
            let lengths = [
                ("node_ids", try nodeIDs.shape()[0]),
                ("timestamps", try timestamps.shape()[0]),
                ("polarity", try polarity.shape()[0]),
            ]
            for (dataset, length) in lengths where length < events || (exact && length != events) {
                throw TraceError.inconsistent(path: access.path, reason:
                    "\(object)/\(dataset) has \(length) events but tokens/event_counts accounts for \(events)")
            }
            try access.requireStoredRows(nodeIDs, object + "/node_ids", rows: events, rowElements: 1, elementBytes: 8)
            try access.requireStoredRows(timestamps, object + "/timestamps", rows: events, rowElements: 1, elementBytes: 8)
            try access.requireStoredRows(polarity, object + "/polarity", rows: events, rowElements: 1, elementBytes: 1)
        }
    }
}
