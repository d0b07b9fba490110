import Foundation
import MarsimCheckpoint
import MarsimCore

extension Simulator {
    /// The metadata a trace records for this run over `tokens`: the settings (mode, neuron model,
    /// T, tau, placement, thresholds), the tick schedule, the accounting units and the dense baseline.
    /// Built here once, for every command that writes a trace.
    public func runMetadata(checkpoint: CheckpointIdentity, tokens: [Int], startTime: Date = Date()) -> RunMetadata {
        let sites = settings.spikingSites
        let dense = settings.mode == .dense
        return RunMetadata(
            checkpoint: checkpoint, mode: settings.mode.rawValue, timesteps: settings.parameters.timesteps,
            tau: Double(settings.parameters.tau), placement: dense ? "none" : settings.placement.specification,
            spikingSites: sites, thresholds: sites.map { settings.thresholds.values[$0] ?? [] },
            thresholdSource: dense ? "none (dense)" : settings.thresholds.source, schedule: schedule,
            units: pass.index.units, denseBaseline: denseBaseline(), inputTokenIDs: tokens,
            startTime: ISO8601DateFormatter().string(from: startTime), neuron: neuron.record)
    }
}

extension RunMetadata {
    /// Metadata for a spiking run driven without a `Simulator` (the benchmark's lanes over a synthetic
    /// model): the same fields `Simulator.runMetadata` fills, from their parts.
    public static func spikingRun(checkpoint: CheckpointIdentity, shape: ModelShape, placement: Placement,
                                  thresholds: ThresholdSet, parameters: NeuronParameters, baseline: [ActivityCounts],
                                  tokens: [Int], tickPeriodMs: Double, startTime: Date = Date()) throws -> RunMetadata {
        RunMetadata(checkpoint: checkpoint, mode: SimulationSettings.Mode.spiking.rawValue, timesteps: parameters.timesteps,
                    tau: Double(parameters.tau), placement: placement.specification, spikingSites: placement.sites,
                    thresholds: placement.sites.map { thresholds.values[$0] ?? [] }, thresholdSource: thresholds.source,
                    schedule: TickSchedule(sitesPerToken: placement.sites.count, timesteps: parameters.timesteps,
                                           tickPeriodMs: tickPeriodMs),
                    units: shape.units, denseBaseline: baseline, inputTokenIDs: tokens,
                    startTime: ISO8601DateFormatter().string(from: startTime), neuron: try NeuronRegistry.make(parameters).record)
    }
}
