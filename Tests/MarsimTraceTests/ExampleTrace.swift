import Foundation
import MarsimTrace
import Testing

extension TraceTests {
    /// Writes example traces for `scripts/check_trace.py` (skipped unless `MARSIM_EXAMPLE_TRACE`
    /// names the file): 200 synthetic tokens at events level, plus variants beside it with the
    /// suffixes `-incomplete` (stopped early), `-counts` (counts level) and `-deflate`.
    @Suite("Example trace") struct ExampleTrace {
        static let path = ProcessInfo.processInfo.environment["MARSIM_EXAMPLE_TRACE"]

        static func variant(_ suffix: String) -> String {
            let base = path!.hasSuffix(".h5") ? String(path!.dropLast(3)) : path!
            return base + suffix + ".h5"
        }

        static func write(_ path: String, level: TraceLevel = .events, compression: SpikeCompression = .portable,
                          finish: Bool = true) throws {
            let run = SyntheticRun(inputTokens: 200)
            let writer = try TraceWriter(path: path, metadata: run.metadata, level: level, spikeCompression: compression)
            for k in 0..<200 { try writer.append(run.token(k)) }
            if finish { try writer.finish(endTime: "2026-12-01T10:05:00Z") } else { try writer.publishIncomplete() }
        }

        @Test(.enabled(if: path != nil)) func writeExampleTraces() throws {
            try Self.write(Self.path!)
            try Self.write(Self.variant("-incomplete"), finish: false)
            try Self.write(Self.variant("-counts"), level: .counts)
            try Self.write(Self.variant("-deflate"), compression: .deflate)
            let reader = try TraceReader(path: Self.path!)
            print("example trace \(Self.path!): \(reader.tokensWritten) tokens, \(reader.eventTotals().reduce(0, +)) events")
        }
    }
}
