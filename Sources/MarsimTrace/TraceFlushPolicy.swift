/// When a `TraceWriter` writes its buffered tokens to the file and flushes it (`H5Fflush`).
///
/// Tokens are buffered in memory and written as one batch: at the first `append` after which
/// `interval` has passed since the last flush, or the batch holds `maxTokens` tokens, or
/// `maxEvents` spike events, whichever comes first; and at `flush()`/`finish(endTime:)`.
///
/// Why batch: each flush re-compresses the partly filled last chunk of every extendable dataset
/// and rewrites the file's metadata, which costs milliseconds per population, so flushing
/// after every token would dominate small models. Bounding a batch by wall-clock time keeps the
/// overhead a small fraction of run time whatever the model's speed, while a killed run loses at
/// most the last `interval` of work; the token and event caps bound memory (about 17 bytes per
/// buffered event plus 8 × 13 bytes per unit per buffered token).
///
/// Every flushed token is complete on disk: a process killed between flushes leaves a trace that
/// opens with exactly `tokens_flushed` tokens (see `TraceFormat`).
public struct TraceFlushPolicy: Sendable, Equatable {
    /// Flush once at least this long has passed since the previous flush.
    public var interval: Duration
    /// Flush once this many tokens are buffered.
    public var maxTokens: Int
    /// Flush once this many spike events are buffered.
    public var maxEvents: Int

    public init(interval: Duration, maxTokens: Int, maxEvents: Int) {
        precondition(maxTokens >= 1 && maxEvents >= 1, "flush caps must be at least 1")
        self.interval = interval
        self.maxTokens = maxTokens
        self.maxEvents = maxEvents
    }

    /// The default: every second, or every 256 tokens, or every 2^18 events (~4.5 MB buffered).
    public static let `default` = TraceFlushPolicy(interval: .seconds(1), maxTokens: 256, maxEvents: 1 << 18)

    /// After every token: the most crash-safe and slowest; flush points independent of timing.
    public static let everyToken = TraceFlushPolicy(interval: .zero, maxTokens: 1, maxEvents: .max)
}
