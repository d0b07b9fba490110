import ArgumentParser
import MarsimCore

/// The `marsim` command: simulate state-space LLMs as spiking networks and cost them in joules.
public struct MarsimCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "marsim",
        abstract: "Simulate state-space LLM checkpoints as spiking networks and cost them in joules per token.",
        version: marsimVersion,
        subcommands: [SimulateCommand.self, GenerateCommand.self, EvalCommand.self, CalibrateCommand.self, InspectCommand.self, TokenizeCommand.self, TraceCommand.self, ExportCommand.self, EnergyCommand.self, WhatIfCommand.self, MergeCommand.self, BenchCommand.self]
    )

    public init() {}
}
