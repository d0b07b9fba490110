import MarsimCore
import MarsimHDF5

/// The SONATA population of one spiking site: `/spikes/<site>/{node_ids, timestamps, polarity}`.
final class PopulationColumns {
    let nodeIDs: BufferedColumn<UInt64>
    let timestamps: BufferedColumn<Double>
    let polarity: BufferedColumn<Int8>

    /// Creates the population group with its `sorting` attribute (by_time) and its three datasets.
    init(in file: borrowing H5File, site: String, compression: SpikeCompression) throws {
        let group = try file.createGroup(TraceFormat.population(site))
        try group.setEnumAttribute("sorting", members: TraceFormat.sortingMembers, value: 2)
        let rows = TraceFormat.eventChunkRows
        nodeIDs = try BufferedColumn(in: group, "node_ids", rowWidth: nil, chunkRows: rows,
                                     compression: compression.integerFilters)
        timestamps = try BufferedColumn(in: group, "timestamps", rowWidth: nil, chunkRows: rows,
                                        compression: compression.timestampFilters)
        try timestamps.setAttribute("units", "ms")
        polarity = try BufferedColumn(in: group, "polarity", rowWidth: nil, chunkRows: rows,
                                      compression: compression.integerFilters)
    }

    /// Buffers one token's events of this site, timestamped by the run's tick schedule.
    func add(_ spikes: SiteSpikes, position: Int, schedule: TickSchedule) {
        nodeIDs.add(contentsOf: spikes.channels.lazy.map { UInt64($0) })
        timestamps.add(contentsOf: spikes.ticks.lazy.map {
            schedule.timeMs(token: position, site: spikes.site, tick: Int($0))
        })
        polarity.add(contentsOf: spikes.polarity)
    }

    func write() throws {
        try nodeIDs.write()
        try timestamps.write()
        try polarity.write()
    }
}
