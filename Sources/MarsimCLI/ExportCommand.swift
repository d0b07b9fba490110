import ArgumentParser
import Foundation
import MarsimCore
import MarsimTrace

/// `marsim export TRACE --nir OUT.nir`: a trace's spikes in the neuromorphic field's exchange
/// format (NIR recorded activity), for tools that do not read SONATA.
public struct ExportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trace's spikes as NIR recorded activity (NIRGraphData HDF5, read by nir.read_data).",
        discussion: """
            One node per spiking site (named like its SONATA population), holding ValuedEventData: \
            idx = input channel, time = the trace's timestamps in ms, value = polarity ±1, batch \
            dimension 1, n_neurons = the site's fan-in, t_max = the run's span in ms. NIR has no \
            ATMN neuron and no state-space scan: the file carries activity, not the model. Needs \
            an events-level trace (the default of simulate --trace).

            Example:
              marsim simulate --text-file checkpoints/tiny-llamba-bytes/heldout.txt --limit 64 \\
                  --calibration-text checkpoints/tiny-llamba-bytes/heldout.txt --trace traces/demo.h5
              marsim export traces/demo.h5 --nir traces/demo.nir
              python3 scripts/check_nir.py traces/demo.nir traces/demo.h5
            """
    )

    @Argument(help: ArgumentHelp("The trace file written by a marsim run (events level).", valueName: "trace.h5"))
    public var trace: String

    @Option(help: ArgumentHelp("Write the spikes as a NIR data file (NIRGraphData HDF5).", valueName: "out.nir"))
    public var nir: String

    public init() {}

    public func run() throws {
        try oneLineErrors {
            var plan = OutputPlan()
            plan.input(trace, "trace")
            plan.output(nir, "--nir file")
            try plan.check()
            try CrashIsolation.run(reading: trace) {
                let summary = try NIRExport.write(try TraceReader(path: trace), to: nir)
                let span = String(format: "%.3f", summary.tMaxMs)
                print("wrote \(nir): \(summary.nodes) nodes, \(summary.events) events, t_max \(span) ms (NIRGraphData, ValuedEventData per site)")
            }
        }
    }
}
