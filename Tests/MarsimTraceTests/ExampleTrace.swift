import Foundation
import MarsimTrace
import Testing

extension TraceTests {
    /// Writes a small example trace to `$MARSIM_EXAMPLE_TRACE` for `scripts/check_trace.py`
    /// (skipped unless the variable is set): 200 tokens of the synthetic run at events level.
    @Suite("Example trace") struct ExampleTrace {
        static let path = ProcessInfo.processInfo.environment["MARSIM_EXAMPLE_TRACE"]

        @Test(.enabled(if: path != nil)) func writeExampleTrace() throws {
            let run = SyntheticRun()
            let writer = try TraceWriter(path: Self.path!, metadata: run.metadata, level: .events)
            for k in 0..<200 { try writer.append(run.token(k)) }
            try writer.finish(endTime: "2026-12-01T10:05:00Z")
            let reader = try TraceReader(path: Self.path!)
            print("example trace \(Self.path!): \(reader.tokensWritten) tokens, \(reader.eventTotals().reduce(0, +)) events")
        }
    }
}
