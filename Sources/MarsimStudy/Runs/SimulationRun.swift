import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport
import MarsimTrace

/// What `marsim simulate` does once its outputs are open: run the tokens, stream each token's
/// activity to the trace and its logits to the logits file, and finish both — or, after
/// SIGINT/SIGTERM, keep the tokens that ran (the trace marked incomplete), or after a failure
/// discard the logits and keep the trace's flushed tokens in its journal.
public enum SimulationRun {
    /// Runs `tokens` through `simulator` with a progress line on stderr; returns the summary and
    /// the run's seconds (`stopwatch`'s lap from its last lap to the last token, before the outputs
    /// are finished).
    public static func run(simulator: Simulator, tokens: TokenizedInput, trace traceWriter: TraceWriter?,
                           logits logitsWriter: SafetensorsMatrixWriter?, stopwatch: inout Stopwatch) throws -> (SimulationSummary, Double) {
        Interruption.install()
        var progress = ProgressLine(label: "simulate", total: tokens.ids.count)
        let summary: SimulationSummary
        let runSeconds: Double
        do {
            summary = try simulator.run(tokens: tokens.ids, bytesOfToken: tokens.bytesOfToken) { activity, logits in
                try traceWriter?.append(activity)
                try logitsWriter?.append(row: logits)
                progress.update(activity.position + 1)
                if Interruption.requested { throw StopRun() }
            } stopping: { $0 is StopRun }
            progress.finish()
            runSeconds = stopwatch.lap()
            if summary.tokens < tokens.ids.count {
                try traceWriter?.publishIncomplete()
                try logitsWriter?.finish(allowFewerRows: true)
                note("interrupted after \(summary.tokens) of \(tokens.ids.count) tokens; the outputs hold them (the trace is marked incomplete)")
            } else {
                try traceWriter?.finish(endTime: ISO8601DateFormatter().string(from: Date()))
                try logitsWriter?.finish()
            }
        } catch {
            progress.finish()
            logitsWriter?.discard()
            if let kept = traceWriter?.abandon() {
                note("the \(traceWriter?.tokensFlushed ?? 0) tokens traced before the failure are in \(kept) "
                     + "(read it with `marsim trace \(kept)`)")
            }
            throw error
        }
        return (summary, runSeconds)
    }
}
