import Foundation
import MarsimCore
import MarsimHDF5

/// A trace's spikes as NIR recorded activity: an `NIRGraphData` HDF5 file in the layout nir 1.0.8's
/// `nir.read_data` reads, so tools of the Neuromorphic Intermediate Representation ecosystem can
/// replay or compare marsim's events.
///
/// One node per spiking site, named like its SONATA population (e.g. `layer00.mixer.in_proj`), with
/// one observable `spikes` of type `ValuedEventData`: `idx` (the input channel, int64), `time` (ms,
/// float64, the trace's timestamps), `value` (the ATMN polarity ±1 as float32), each of shape
/// [1, events] (NIR's batch dimension, one sample); attributes `n_neurons` (the site's fan-in) and
/// `t_max` (the run's span in ms: tokens × ticks per token × tick period).
///
/// NIR cannot express what produced the events: it has no ATMN neuron (ternary output, adaptive
/// threshold) and no selective state-space scan, so the export holds activity, not a graph.
public enum NIRExport {
    /// What an export wrote.
    public struct Summary: Sendable, Equatable {
        /// Nodes written (spiking sites).
        public var nodes: Int
        /// Events written over all nodes.
        public var events: Int
        /// The recording's span, ms.
        public var tMaxMs: Double
    }

    /// The name of the observable each node holds.
    public static let observable = "spikes"

    /// Writes `reader`'s events to `path` through a temporary file renamed over it when complete.
    ///
    /// - Throws: `TraceError.invalidRequest` for a counts-level trace (it holds no events);
    ///   output errors name `path`.
    @discardableResult
    public static func write(_ reader: TraceReader, to path: String) throws -> Summary {
        guard reader.level == .events else {
            throw TraceError.invalidRequest(path: reader.path, reason: "a counts-level trace has no events to export; record with --trace-level events")
        }
        let schedule = reader.metadata.schedule
        let tMax = Double(reader.tokensWritten * schedule.ticksPerToken) * schedule.tickPeriodMs
        let (temporary, descriptor) = try OutputTarget.createTemporary(beside: path)
        close(descriptor)
        var summary = Summary(nodes: 0, events: 0, tMaxMs: tMax)
        do {
            let file = try H5File(creating: temporary, mode: .truncate)
            try file.setAttribute("__type__", "NIRGraphData")
            try file.setAttribute("marsim_version", marsimVersion)
            try file.setAttribute("marsim_trace", (reader.path as NSString).lastPathComponent)
            try file.setAttribute("time_unit", "ms")
            try file.setAttribute("tick_period_ms", schedule.tickPeriodMs)
            try file.setAttribute("timesteps", Int64(schedule.timesteps))
            let nodes = try file.createGroup("nodes")
            for (site, population) in reader.populations.enumerated() {
                let events = try reader.events(population: population)
                let node = try nodes.createGroup(population)
                try node.setAttribute("__type__", "NIRNodeData")
                let spikes = try node.createGroup("observables").createGroup(observable)
                try spikes.setAttribute("__type__", "ValuedEventData")
                try spikes.setAttribute("n_neurons", Int64(reader.metadata.thresholds[site].count))
                try spikes.setAttribute("t_max", tMax)
                let shape = [1, events.count]
                try spikes.createDataset("idx", values: events.nodeIDs.map { Int64($0) }, shape: shape)
                try spikes.createDataset("time", values: events.timestampsMs, shape: shape)
                try spikes.createDataset("value", values: events.polarity.map { Float($0) }, shape: shape)
                summary.nodes += 1
                summary.events += events.count
            }
            try file.close()
        } catch let error as HDF5Error {
            unlink(temporary)
            throw TraceError.hdf5(path: path, error: error)
        } catch {
            unlink(temporary)
            throw error
        }
        try OutputTarget.publish(temporary, to: path, label: "NIR file")
        return summary
    }
}
