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
        let inputs = try EnergyInputs(reader: reader)
        let profiles = try profileOptions.load()
        let reports = try profiles.map { try EnergyModel.report(profile: $0, inputs: inputs) }
        let phases = try profiles.map { try EnergyModel.phases(profile: $0, inputs: inputs) }
        if csv {
            print(EnergyTable.csv(reports, includeZeroRows: csvAll))
        } else if json {
            print(try EnergyTable.json(reports, phases: phases, reader: reader))
        } else {
            print(EnergyTable.render(reports, phases: phases, trace: trace, metadata: reader.metadata, complete: reader.isComplete))
        }
    }
}
