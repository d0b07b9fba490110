import Foundation
import MarsimCore
import MarsimHDF5

/// Streams one run's spikes and counters into a trace file (layout: `TraceFormat`).
///
/// Lifecycle: `init` creates the file at once and writes the metadata (so a bad path fails
/// before any simulation); `append(_:)` once per token, in increasing position; `finish(endTime:)`
/// marks the trace complete. Tokens are buffered and written in batches under `flushPolicy`
/// (default: about once a second); every flushed token is complete on disk even if the process
/// is killed afterwards, and a trace that was never finished opens with `isComplete == false`.
///
/// Memory stays flat however many tokens are appended: at most one batch is buffered (bounded by
/// the policy's token and event caps), and each dataset's HDF5 chunk cache holds one chunk.
///
/// Not thread-safe: use one writer from one thread (or serialize calls).
public final class TraceWriter {
    /// The trace file.
    public let path: String
    /// The run's metadata as given (`endTime` is ignored; `finish(endTime:)` records it).
    public let metadata: RunMetadata
    public let level: TraceLevel
    public let spikeCompression: SpikeCompression
    public let flushPolicy: TraceFlushPolicy
    /// Tokens accepted by `append(_:)`.
    public private(set) var tokensAppended = 0
    /// Tokens written and flushed to the file.
    public private(set) var tokensFlushed = 0
    /// Whether `finish(endTime:)` has completed.
    public private(set) var isFinished = false

    private var file: H5File?
    private var marsim: H5Group?
    private var tokens: TokenColumns?
    private var populations: [PopulationColumns] = []
    private var bufferedTokens = 0
    private var bufferedEvents = 0
    private var lastPosition: Int?
    private var lastFlush = ContinuousClock.now
    /// Set when a write failed: the file's state is unknown, so the writer refuses further work.
    private var failure: String?

    /// Creates (truncating) the trace at `path` and writes `metadata`.
    ///
    /// - Parameters:
    ///   - level: `.events` records every spike; `.counts` only the counters.
    ///   - spikeCompression: `.portable` (default) keeps the events readable by libsonata's wheels.
    ///   - flushPolicy: when buffered tokens are written and flushed; see `TraceFlushPolicy`.
    ///
    /// - Throws: `TraceError.cannotCreate` when the file cannot be created (one line naming the
    ///   path and the system's reason), `TraceError.invalidInput` for inconsistent metadata,
    ///   `TraceError.hdf5` when HDF5 fails.
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
        try Self.checkCreatable(path)
        do {
            let file = try H5File(creating: path)
            try metadata.writeTraceHeader(to: file, level: level)
            marsim = try file.openGroup(TraceFormat.marsim)
            tokens = try TokenColumns(in: file, unitCount: metadata.units.count, siteCount: metadata.spikingSites.count,
                                      level: level)
            if level == .events {
                populations = try metadata.spikingSites.map { try PopulationColumns(in: file, site: $0.name, compression: spikeCompression) }
            }
            try file.flush()
            self.file = consume file
        } catch let error as HDF5Error {
            throw TraceError.hdf5(path: path, error: error)
        }
        lastFlush = .now
    }

    /// Buffers one token's counters, fidelity and (at `events` level) spikes, then writes and
    /// flushes the batch if `flushPolicy` says so.
    ///
    /// Tokens must come in strictly increasing `position` with counts for every unit; events
    /// must be in tick order with ticks below T, channels below the site's fan-in and polarity ±1.
    /// - Throws: `TraceError.invalidInput` (nothing is buffered), `TraceError.closed` after
    ///   `finish` or an earlier failure, `TraceError.hdf5` when writing fails.
    public func append(_ token: TokenActivity) throws {
        try checkOpen()
        if let problem = TraceInputValidation.problem(with: token, metadata: metadata, previousPosition: lastPosition,
                                                      checkEvents: level == .events) {
            throw TraceError.invalidInput(path: path, reason: problem)
        }
        var eventsPerSite = [Int](repeating: 0, count: metadata.spikingSites.count)
        if level == .events {
            for spikes in token.spikes {
                eventsPerSite[spikes.site] = spikes.count
                populations[spikes.site].add(spikes, position: token.position, schedule: metadata.schedule)
            }
        }
        tokens?.add(token, eventsPerSite: eventsPerSite)
        lastPosition = token.position
        tokensAppended += 1
        bufferedTokens += 1
        bufferedEvents += eventsPerSite.reduce(0, +)
        if bufferedTokens >= flushPolicy.maxTokens || bufferedEvents >= flushPolicy.maxEvents
            || ContinuousClock.now - lastFlush >= flushPolicy.interval {
            try flush()
        }
    }

    /// Writes every buffered token, records `tokens_flushed` and flushes the file (`H5Fflush`).
    ///
    /// Call it when the run is interrupted and should keep every token so far.
    public func flush() throws {
        try checkOpen()
        guard bufferedTokens > 0, let tokens else { return }
        do {
            try tokens.write()
            for population in populations { try population.write() }
            try marsim?.setAttribute("tokens_flushed", Int64(tokensFlushed + bufferedTokens))
            try file?.flush()
        } catch let error as HDF5Error {
            failure = "writing failed earlier (\(error.description))"
            throw TraceError.hdf5(path: path, error: error)
        }
        tokensFlushed += bufferedTokens
        bufferedTokens = 0
        bufferedEvents = 0
        lastFlush = .now
    }

    /// Writes the remaining tokens, marks the trace complete (`/marsim@complete = 1`, `end_time`)
    /// and closes the file. The only place `complete` is written.
    public func finish(endTime: String) throws {
        try flush()
        do {
            try marsim?.setAttribute("end_time", endTime)
            try marsim?.setAttribute("complete", UInt8(1))
            try file?.flush()
            try closeFile()
        } catch let error as HDF5Error {
            failure = "finishing failed (\(error.description))"
            throw TraceError.hdf5(path: path, error: error)
        }
        isFinished = true
    }

    /// An unfinished writer writes its buffered tokens (errors ignored) and closes the file
    /// without marking it complete.
    deinit {
        if !isFinished && failure == nil {
            try? flush()
        }
    }

    // MARK: - Private

    private func checkOpen() throws {
        if isFinished { throw TraceError.closed(path: path, reason: "finish(endTime:) was called") }
        if let failure { throw TraceError.closed(path: path, reason: failure) }
    }

    /// Closes every dataset and group before the file, so `H5Fclose` really closes it.
    private func closeFile() throws {
        tokens = nil
        populations = []
        if let marsim = marsim.take() { try marsim.close() }
        if let file = file.take() { try file.close() }
    }

    /// Fails with the system's reason (e.g. "No such file or directory") when `path` cannot be
    /// created for writing; HDF5's own message for this is long and buries the reason.
    private static func checkCreatable(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw TraceError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        close(descriptor)
    }
}
