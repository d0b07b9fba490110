/// When a `TraceWriter` appends its buffered tokens to the trace's journal (one record per flush).
///
/// Tokens are buffered in memory and written as one batch: at the first `append` after which
/// `interval` has passed since the last flush, or the batch holds `maxTokens` tokens, or
/// `maxEvents` spike events, whichever comes first; and at `flush()`/`finish(endTime:)`.
///
/// Why batch: each flush is one `write` system call with a checksum over the record, so flushing
/// after every token would cost a system call per token on fast models. Bounding a batch by
/// wall-clock time keeps the overhead small whatever the model's speed, while a killed run loses
/// at most the last `interval` of work; the token and event caps bound memory (about 6 bytes per
/// buffered event plus ~1–2 bytes per counter per buffered token).
///
/// Every flushed token is complete on disk: a process killed at any moment leaves a journal
/// whose whole records hold exactly the flushed tokens (see `TraceFormat`, "Crash safety").
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
