import MarsimCore
import MarsimHDF5

/// Writes an HDF5 trace file (layout: `TraceFormat`) from a run's metadata and tokens, in one go.
///
/// `TraceWriter` uses it when a run ends, replaying the run's journal into a temporary file that is
/// then renamed over the trace; `TraceReader` uses it to read a journal left by a killed run. The
/// file is not crash-safe while it is being built (nothing depends on it until it is renamed).
///
/// Tokens are buffered and written in batches of at most `maxTokens` tokens or `maxEvents` events
/// (default 256 and 2^16, about 1 MB of buffered events), fixed numbers rather than a time, so the
/// same tokens always give a byte-identical file.
final class TraceBuilder {
    /// How the trace is named in errors (the trace's final path, not the temporary file's).
    let label: String
    let metadata: RunMetadata
    let level: TraceLevel
    private(set) var tokens = 0

    private var file: H5File?
    private var marsim: H5Group?
    private var columns: TokenColumns?
    private var populations: [PopulationColumns] = []
    private var bufferedTokens = 0
    private var bufferedEvents = 0
    private var lastPosition: Int?
    private let maxTokens: Int
    private let maxEvents: Int

    /// Creates (truncating) the HDF5 file `path` and writes `metadata`.
    init(path: String, label: String, metadata: RunMetadata, level: TraceLevel, spikeCompression: SpikeCompression,
         maxTokens: Int = 256, maxEvents: Int = 1 << 16) throws {
        self.label = label
        self.metadata = metadata
        self.level = level
        self.maxTokens = maxTokens
        self.maxEvents = maxEvents
        if let problem = TraceInputValidation.problem(with: metadata) {
            throw TraceError.invalidInput(path: label, reason: problem)
        }
        do {
            let file = try H5File(creating: path)
            try metadata.writeTraceHeader(to: file, level: level)
            marsim = try file.openGroup(TraceFormat.marsim)
            columns = try TokenColumns(in: file, unitCount: metadata.units.count, siteCount: metadata.spikingSites.count,
                                       level: level)
            if level == .events {
                populations = try metadata.spikingSites.map { try PopulationColumns(in: file, site: $0.name, compression: spikeCompression) }
            }
            self.file = consume file
        } catch let error as HDF5Error {
            throw TraceError.hdf5(path: label, error: error)
        }
    }

    /// Checks and buffers one token; writes the batch when it is full.
    func append(_ token: TokenActivity) throws {
        if let problem = TraceInputValidation.problem(with: token, metadata: metadata, previousPosition: lastPosition,
                                                      checkEvents: level == .events) {
            throw TraceError.invalidInput(path: label, reason: problem)
        }
        var eventsPerSite = [Int](repeating: 0, count: metadata.spikingSites.count)
        if level == .events {
            for spikes in token.spikes {
                eventsPerSite[spikes.site] = spikes.count
                populations[spikes.site].add(spikes, position: token.position, schedule: metadata.schedule)
            }
        }
        columns?.add(token, eventsPerSite: eventsPerSite)
        lastPosition = token.position
        tokens += 1
        bufferedTokens += 1
        bufferedEvents += eventsPerSite.reduce(0, +)
        if bufferedTokens >= maxTokens || bufferedEvents >= maxEvents { try write() }
    }

    /// Writes the rest, records `tokens_flushed` (and, when `complete`, `complete` = 1 and
    /// `end_time`), and closes the file.
    func close(complete: Bool, endTime: String?) throws {
        do {
            try write()
            try marsim?.setAttribute("tokens_flushed", Int64(tokens))
            if complete {
                try marsim?.setAttribute("end_time", endTime ?? "")
                try marsim?.setAttribute("complete", UInt8(1))
            }
            columns = nil
            populations = []
            if let marsim = marsim.take() { try marsim.close() }
            if let file = file.take() { try file.close() }
        } catch let error as HDF5Error {
            throw TraceError.hdf5(path: label, error: error)
        }
    }

    private func write() throws {
        guard bufferedTokens > 0, let columns else { return }
        do {
            try columns.write()
            for population in populations { try population.write() }
        } catch let error as HDF5Error {
            throw TraceError.hdf5(path: label, error: error)
        }
        bufferedTokens = 0
        bufferedEvents = 0
    }
}
