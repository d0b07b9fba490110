import ArgumentParser
import Foundation
import MarsimCore
import MarsimPlot
import MarsimReport
import MarsimTrace

/// `marsim trace TRACE.h5 [--json]`: what a trace holds — populations, tokens, events, firing
/// rates per spiking site and per layer, completeness and the run's settings.
public struct TraceCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Summarize a spike trace: tokens, events, firing rates per site and layer, and run metadata.",
        discussion: """
            Firing rate = spikes ÷ neuron updates (one update per neuron per tick), from the \
            trace's counters. A trace whose run was killed opens with the tokens flushed before \
            the kill and is reported as incomplete.

            Examples:
              marsim trace traces/demo.h5
              marsim trace traces/demo.h5 --json
              marsim trace traces/demo.h5 --plot traces/demo-raster.svg --plot-tokens 8
            """
    )

    @Argument(help: ArgumentHelp("The trace file written by a marsim run.", valueName: "trace.h5"))
    public var trace: String

    @Flag(help: "Print one JSON object instead of tables.")
    public var json = false

    @Option(help: ArgumentHelp("Write an SVG: a spike raster of the first tokens (events traces) or firing rate per site (counts traces).", valueName: "file.svg"))
    public var plot: String?

    @Option(help: "Tokens shown in the raster.")
    public var plotTokens: Int = 16

    public init() {}

    public func validate() throws {
        guard plotTokens >= 1, plotTokens <= 10_000 else { throw ValidationError("Please give --plot-tokens between 1 and 10000.") }
    }

    public func run() throws {
        try oneLineErrors {
            try CrashIsolation.run(reading: trace) { try summarize() }
        }
    }

    private func summarize() throws {
        var plan = OutputPlan()
        plan.input(trace, "trace")
        plan.output(plot, "--plot file")
        try plan.check()
        let reader = try TraceReader(path: trace)
        let summary = try TraceSummary(reader: reader)
        print(json ? try TraceSummaryText.json(summary) : TraceSummaryText.table(summary))
        if let plot {
            let document = try reader.level == .events && !reader.populations.isEmpty
                ? TracePlots.raster(reader: reader, tokens: plotTokens)
                : TracePlots.firingRates(summary)
            try document.writeSafely(to: plot)
            note("wrote \(plot)")
        }
    }
}
