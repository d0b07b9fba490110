import Foundation
import MarsimCore
import MarsimHDF5

/// Streams one run's spikes and counters into a trace (layout: `TraceFormat`), crash-safely.
///
/// While the run goes on, tokens go to the trace's **journal**, `<path>.partial`: an append-only
/// file of checksummed records (`TraceJournal`), locked against other runs. The HDF5 trace is built
/// from the journal when the run ends — `finish(endTime:)` (complete) or `publishIncomplete()`
/// (stopped early, e.g. by SIGINT) — under a temporary name beside `path`, then renamed over
/// `path`. So:
/// - a process killed at any moment leaves either the journal, whose whole records are exactly the
///   flushed tokens (`TraceReader` reads it, `marsim trace`/`energy` too), or the finished trace;
/// - an existing file at `path` is replaced only by a finished trace, never damaged by a failed or
///   killed run;
/// - two runs cannot write the same trace at once (the second is refused), and a journal left by a
///   killed run is never overwritten.
///
/// Lifecycle: `init` creates the journal and writes the metadata (so a bad path fails before any
/// simulation); `append(_:)` once per token, in increasing position; then exactly one of
/// `finish(endTime:)`, `publishIncomplete()` or `abandon()`. A writer released without any of
/// them flushes what it buffered to the journal and leaves it (as a crash would).
///
/// Tokens are buffered in memory and appended to the journal in batches under `flushPolicy`
/// (default: about once a second), so memory stays flat however many tokens are appended.
/// Not thread-safe: use one writer from one thread (or serialize calls).
public final class TraceWriter {
    /// The trace file the run produces.
    public let path: String
    /// The run's metadata as given (`endTime` is ignored; `finish(endTime:)` records it).
    public let metadata: RunMetadata
    public let level: TraceLevel
    public let spikeCompression: SpikeCompression
    public let flushPolicy: TraceFlushPolicy
    /// Tokens accepted by `append(_:)`.
    public private(set) var tokensAppended = 0
    /// Tokens written to the journal: what survives a kill.
    public private(set) var tokensFlushed = 0
    /// Whether the trace has been published at `path` (by `finish` or `publishIncomplete`).
    public private(set) var isFinished = false

    /// The journal beside the trace while the run goes on: `<path>.partial`.
    public var journalPath: String { Self.journalPath(for: path) }

    /// The journal path for a trace at `path`.
    public static func journalPath(for path: String) -> String { path + TraceJournal.suffix }

    /// What a journal's name adds to its trace's: `.partial`.
    public static var journalSuffix: String { TraceJournal.suffix }

    private var journal: JournalWriter?
    private let codec: JournalCodec
    private var pending = ByteWriter()
    private var previousCounts: [Int64]
    private var bufferedTokens = 0
    private var bufferedEvents = 0
    private var lastPosition: Int?
    private var lastFlush = ContinuousClock.now
    /// Set when a write failed: the writer refuses further work.
    private var failure: String?

    /// Checks `path` and creates its journal with `metadata`.
    ///
    /// - Parameters:
    ///   - path: where the trace will be; it may exist (a regular file, replaced when the run
    ///     ends), but may not be a symbolic link, a directory or a device.
    ///   - level: `.events` records every spike; `.counts` only the counters.
    ///   - spikeCompression: `.portable` (default) keeps the events readable by libsonata's wheels.
    ///   - flushPolicy: when buffered tokens are appended to the journal; see `TraceFlushPolicy`.
    ///
    /// - Throws: `TraceError.cannotCreate` when the path cannot be used (one line naming the path
    ///   and the reason), `.inUse` when another run writes it or a killed run's journal is there,
    ///   `.invalidInput` for inconsistent metadata.
    public init(path: String, metadata: RunMetadata, level: TraceLevel, spikeCompression: SpikeCompression = .portable,
                flushPolicy: TraceFlushPolicy = .default) throws {
        self.path = path
        self.metadata = metadata
        self.level = level
        self.spikeCompression = spikeCompression
        self.flushPolicy = flushPolicy
        if let problem = TraceInputValidation.problem(with: metadata) {
            throw TraceError.invalidInput(path: path, reason: problem)
        }
        do {
            try OutputTarget.check(path, label: "trace")
        } catch let error as OutputFileError {
            throw TraceError.cannotCreate(path: path, reason: error.reason)
        }
        codec = JournalCodec(metadata: metadata, level: level)
        previousCounts = [Int64](repeating: 0, count: metadata.units.count * ActivityCounts.fieldNames.count)
        journal = try JournalWriter(path: Self.journalPath(for: path), trace: path,
                                    header: TraceJournal.Header(level: level, spikeCompression: spikeCompression, metadata: metadata))
        lastFlush = .now
    }

    /// Buffers one token's counters, fidelity and (at `events` level) spikes, then appends the
    /// batch to the journal if `flushPolicy` says so.
    ///
    /// Tokens must come in strictly increasing `position` with non-negative counts for every unit;
    /// events must be in tick order with ticks below T, channels below the site's fan-in and
    /// polarity ±1.
    /// - Throws: `TraceError.invalidInput` (nothing is buffered), `TraceError.closed` after the
    ///   trace was published or an earlier failure, `TraceError.writeFailed` when writing fails.
    public func append(_ token: TokenActivity) throws {
        try checkOpen()
        if let problem = TraceInputValidation.problem(with: token, metadata: metadata, previousPosition: lastPosition,
                                                      checkEvents: level == .events) {
            throw TraceError.invalidInput(path: path, reason: problem)
        }
        codec.encode(token, previous: &previousCounts, into: &pending)
        lastPosition = token.position
        tokensAppended += 1
        bufferedTokens += 1
        if level == .events { bufferedEvents += token.spikes.reduce(0) { $0 + $1.count } }
        if bufferedTokens >= flushPolicy.maxTokens || bufferedEvents >= flushPolicy.maxEvents
            || ContinuousClock.now - lastFlush >= flushPolicy.interval {
            try flush()
        }
    }

    /// Appends every buffered token to the journal as one record: from then on they survive a kill.
    public func flush() throws {
        try checkOpen()
        guard bufferedTokens > 0, let journal else { return }
        do {
            try journal.appendRecord(tokens: bufferedTokens, payload: pending.bytes)
        } catch {
            failure = "writing the journal failed earlier (\(error))"
            throw error
        }
        tokensFlushed += bufferedTokens
        bufferedTokens = 0
        bufferedEvents = 0
        pending.bytes.removeAll(keepingCapacity: true)
        for i in previousCounts.indices { previousCounts[i] = 0 }
        lastFlush = .now
    }

    /// Ends the run: builds the HDF5 trace from the journal, marked complete (`/marsim@complete = 1`,
    /// `end_time`), renames it over `path` and removes the journal.
    ///
    /// - Throws: `TraceError` when building or renaming fails; the journal is then kept, with
    ///   every flushed token, and the file at `path` (if any) is unchanged.
    public func finish(endTime: String) throws { try publish(complete: true, endTime: endTime) }

    /// Ends a run that stopped early (SIGINT, SIGTERM): like `finish(endTime:)`, but the trace is
    /// not marked complete; it holds every token appended so far.
    public func publishIncomplete() throws { try publish(complete: false, endTime: nil) }

    /// Ends a run that failed. A journal without tokens is deleted; one with tokens is kept (they
    /// are the run's only record) and its path returned. The file at `path` is unchanged.
    @discardableResult
    public func abandon() -> String? {
        guard !isFinished, let journal = journal.take() else { return nil }
        if failure == nil { try? flush() }
        isFinished = true
        let keep = tokensFlushed > 0
        journal.close(remove: !keep)
        return keep ? journalPath : nil
    }

    /// An unfinished writer appends its buffered tokens to the journal (errors ignored) and leaves it.
    deinit {
        if !isFinished && failure == nil { try? flush() }
        journal?.close(remove: false)
    }

    // MARK: - Private

    private func checkOpen() throws {
        if isFinished { throw TraceError.closed(path: path, reason: "the trace was already finished") }
        if let failure { throw TraceError.closed(path: path, reason: failure) }
    }

    private func publish(complete: Bool, endTime: String?) throws {
        try flush()
        guard let journal else { return }
        let temporary: String
        do {
            let created = try OutputTarget.createTemporary(beside: path)
            close(created.descriptor)
            temporary = created.path
        } catch let error as OutputFileError {
            throw TraceError.cannotCreate(path: path, reason: error.reason)
        }
        do {
            let builder = try TraceBuilder(path: temporary, label: path, metadata: metadata, level: level,
                                           spikeCompression: spikeCompression)
            let extent = try JournalReader(path: journal.path).scan { try builder.append($0) }
            guard extent.tokens == tokensFlushed else {
                throw TraceError.inconsistent(path: journal.path, reason: "the journal holds \(extent.tokens) tokens, \(tokensFlushed) were written")
            }
            try builder.close(complete: complete, endTime: endTime)
            do {
                try OutputTarget.publish(temporary, to: path, label: "trace")
            } catch let error as OutputFileError {
                throw TraceError.cannotCreate(path: path, reason: error.reason)
            }
        } catch {
            unlink(temporary)
            let reason = "building the trace failed (\(error)); its \(tokensFlushed) flushed tokens stay in \(journal.path)"
            failure = reason
            throw TraceError.writeFailed(path: path, reason: reason)
        }
        isFinished = true
        journal.close(remove: true)
        self.journal = nil
    }
}
