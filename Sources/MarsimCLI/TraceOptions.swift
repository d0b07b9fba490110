import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimTrace

extension TraceLevel: ExpressibleByArgument {}
extension SpikeCompression: ExpressibleByArgument {}

/// `--trace FILE` and how it is written.
struct TraceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Stream spikes and counters to this HDF5 trace (SONATA layout).", valueName: "file.h5"))
    var trace: String?

    @Option(help: "events: every spike plus the counters; counts: only the counters and metadata (for long runs).")
    var traceLevel: TraceLevel = .events

    @Option(help: "Spike dataset filters: portable (readable by every HDF5, incl. libsonata's wheel) or deflate (≈10× smaller).")
    var spikeCompression: SpikeCompression = .portable

    @Option(help: "Duration of one tick in milliseconds (trace timestamps).")
    var tickPeriodMs: Double = 1

    /// Flush the trace's journal after this many tokens (tests use 1 to make many flush points);
    /// by default it is flushed about once a second (`TraceFlushPolicy.default`).
    @Option(help: .hidden)
    var traceFlushTokens: Int?

    func validate() throws {
        guard tickPeriodMs > 0, tickPeriodMs.isFinite else { throw ValidationError("Please give a positive --tick-period-ms.") }
        if let traceFlushTokens, traceFlushTokens < 1 { throw ValidationError("Please give --trace-flush-tokens of at least 1.") }
    }
}

/// Opens traces for a run (the metadata itself comes from `Simulator.runMetadata`).
enum RunRecord {
    /// Opens the trace (failing before any simulation if the path cannot be written). The metadata,
    /// which hashes the checkpoint's files, is built only when a trace was asked for.
    static func openWriter(_ options: TraceOptions, metadata: @autoclosure () -> RunMetadata) throws -> TraceWriter? {
        guard let path = options.trace else { return nil }
        let policy = options.traceFlushTokens.map { TraceFlushPolicy(interval: .seconds(3600), maxTokens: $0, maxEvents: .max) } ?? .default
        return try TraceWriter(path: path, metadata: metadata(), level: options.traceLevel, spikeCompression: options.spikeCompression,
                               flushPolicy: policy)
    }
}
