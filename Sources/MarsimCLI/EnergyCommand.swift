import ArgumentParser
import Foundation
import MarsimCore
import MarsimEnergy
import MarsimReport
import MarsimTrace

/// `marsim energy`: joules per token of a traced run under hardware profiles, beside the dense model.
public struct EnergyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "energy",
        abstract: "Cost a trace in joules per token under hardware profiles, beside the same model run dense.",
        discussion: """
        The trace alone is enough: its per-token counters give the spiking run, its metadata the \
        dense baseline (every projection as MACs, same memory model). ratio = dense ÷ spiking, so \
        above 1 the spiking run saves energy. An incomplete trace (killed run) is costed over the \
        tokens it holds.

        Examples:
          marsim energy traces/demo.h5
          marsim energy traces/demo.h5 --profile horowitz-45nm-compute \\
              --profile loihi-like --json
          marsim energy traces/demo.h5 --profile FILE.toml --csv > breakdown.csv
          marsim energy traces/demo.h5 --csv --csv-all    # also the rows of 0 J/token
        """
    )

    @Argument(help: ArgumentHelp("A trace written by `marsim simulate --trace`.", valueName: "trace.h5"))
    var trace: String

    @OptionGroup var profileOptions: ProfileOptions

    @Flag(help: "Print JSON: one report object for one profile, else {\"reports\": [...]}.")
    var json = false

    @Flag(help: "Print the breakdown as CSV (profile, series, unit, layer, unit kind, cost kind, memory level, J/token); rows of 0 J/token are left out.")
    var csv = false

    @Flag(help: "With --csv: keep the rows of 0 J/token too (every unit × cost kind).")
    var csvAll = false

    public init() {}

    public func validate() throws {
        if json && csv { throw ValidationError("Please choose one of --json and --csv.") }
        if csvAll && !csv { throw ValidationError("--csv-all goes with --csv.") }
    }

    public func run() throws {
        try oneLineErrors {
            try CrashIsolation.run(reading: trace) { try cost() }
        }
    }

    private func cost() throws {
        let reader = try TraceReader(path: trace)
        if !reader.isComplete {
            note("\(trace): incomplete trace (the run did not finish); costing the \(reader.tokensWritten) tokens it holds")
        }
        guard reader.tokensWritten > 0 else { throw CLIError("\(trace): the trace holds no tokens") }
        let inputs = EnergyInputs(metadata: reader.metadata, counts: try reader.counts(),
                                  chunkLengths: try reader.chunkLengths(), sharedWeightReads: try reader.sharedWeightReads())
        let profiles = try profileOptions.load()
        let reports = try profiles.map { try EnergyModel.report(profile: $0, inputs: inputs) }
        let phases = try profiles.map { try EnergyModel.phases(profile: $0, inputs: inputs) }
        if csv {
            var lines = ["profile," + EnergyReport.breakdownCSVHeader]
            for r in reports {
                lines += r.breakdownCSV(includeZeroRows: csvAll).split(separator: "\n").dropFirst().map { EnergyReport.csvField(r.profile.name) + "," + $0 }
            }
            print(lines.joined(separator: "\n"))
        } else if json {
            let marsim = MarsimProvenance(command: "energy", checkpoint_hash: reader.metadata.checkpoint.contentHash)
            let neurobench = NeuroBenchMetrics(metadata: reader.metadata, totals: try reader.totalCounts(), tokens: reader.tokensWritten,
                                               membraneUpdatesKnown: reader.stores(counter: "membrane_updates"))
            let entries = zip(reports, phases).map {
                ConventionalJSON(report: EnergyReportWithPhases(report: $0, phases: $1), marsim: marsim, neurobench: neurobench)
            }
            if entries.count == 1 {
                print(try JSONOutput.string(entries[0]))
            } else {
                print(try JSONOutput.string(ConventionalJSON(report: ["reports": entries], marsim: marsim, neurobench: neurobench)))
            }
        } else {
            print(EnergyTable.render(reports, phases: phases, trace: trace, metadata: reader.metadata, complete: reader.isComplete))
        }
    }
}
