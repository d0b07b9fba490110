import Foundation
import MarsimEngine

/// What `marsim generate --json` prints: the prompt and its continuation, as text and ids, and how
/// long loading, prefill and decode took.
public struct GenerationReport: Encodable {
    /// Load seconds, then prefill and decode: tokens and milliseconds per token.
    public struct Timing: Encodable {
        public var load_s: Double
        public var prefill_tokens: Int
        public var prefill_ms_per_token: Double
        public var decode_tokens: Int
        public var decode_ms_per_token: Double
    }
    public var mode: String
    public var prompt: String
    public var continuation: String
    public var prompt_ids: [Int]
    public var continuation_ids: [Int]
    public var timing: Timing

    /// The report of one continuation (`mode`: dense or spiking).
    public init(mode: String, prompt: String, continuation: String, promptIDs: [Int], continuationIDs: [Int],
                timing: GreedyGeneration.Timing, loadSeconds: Double) {
        func ms(_ s: Double, _ n: Int) -> Double { n == 0 ? 0 : s * 1000 / Double(n) }
        self.mode = mode
        self.prompt = prompt
        self.continuation = continuation
        prompt_ids = promptIDs
        continuation_ids = continuationIDs
        self.timing = Timing(load_s: loadSeconds, prefill_tokens: timing.prefillTokens,
                             prefill_ms_per_token: ms(timing.prefillSeconds, timing.prefillTokens),
                             decode_tokens: timing.decodeTokens, decode_ms_per_token: ms(timing.decodeSeconds, timing.decodeTokens))
    }

    /// Indented JSON with sorted keys.
    public func json() throws -> String { try prettyJSON(self) }
}
