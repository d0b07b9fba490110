import MarsimCore
import MarsimHDF5

/// Writes the root SONATA attributes and everything in `RunMetadata` (except `endTime`, which
/// `TraceWriter.finish` writes) to a new trace, as `TraceFormat` specifies.
extension RunMetadata {
    func writeTraceHeader(to file: borrowing H5File, level: TraceLevel) throws {
        try file.setAttribute("magic", TraceFormat.magic)
        try file.setAttribute("version", TraceFormat.sonataVersion)

        _ = try file.createGroup(TraceFormat.spikes)
        let marsim = try file.createGroup(TraceFormat.marsim)
        try marsim.setAttribute("format_version", TraceFormat.formatVersion)
        try marsim.setAttribute("level", level.rawValue)
        try marsim.setAttribute("marsim_version", marsimVersion)
        try marsim.setAttribute("mode", mode)
        try marsim.setAttribute("timesteps", Int64(timesteps))
        try marsim.setAttribute("tau", tau)
        try marsim.setAttribute("placement", placement)
        try marsim.setAttribute("threshold_source", thresholdSource)
        try marsim.setAttribute("start_time", startTime)
        try marsim.setAttribute("sites_per_token", Int64(schedule.sitesPerToken))
        try marsim.setAttribute("schedule_timesteps", Int64(schedule.timesteps))
        try marsim.setAttribute("tick_period_ms", schedule.tickPeriodMs)
        try marsim.setAttribute("tokens_flushed", Int64(0))

        try checkpoint.writeTraceAttributes(to: file.createGroup(TraceFormat.checkpoint))
        let record = neuron
        let neuronGroup = try file.createGroup(TraceFormat.neuron)
        try neuronGroup.setAttribute("model", record.model)
        try neuronGroup.setAttribute("payload_bits", Int64(record.payloadBits))
        try neuronGroup.setAttribute("max_payload", Int64(record.maxPayload))
        try file.createDataset(TraceFormat.neuronParameters, strings: record.parameterLines)

        try file.createDataset(TraceFormat.units, strings: units.map(\.name))
        try file.createDataset(TraceFormat.spikingSites, strings: spikingSites.map(\.name))
        try file.createDataset(TraceFormat.counterFields, strings: ActivityCounts.fieldNames)
        let fieldCount = ActivityCounts.fieldNames.count
        try file.createDataset(TraceFormat.denseBaseline, values: denseBaseline.flatMap { $0.fields.map { Int64($0) } },
                               shape: [denseBaseline.count, fieldCount])
        try file.createDataset(TraceFormat.inputTokenIDs, values: inputTokenIDs.map { Int64($0) })
        _ = try file.createGroup(TraceFormat.thresholds)
        for (site, values) in zip(spikingSites, thresholds) {
            try file.createDataset(TraceFormat.threshold(site.name), values: values)
        }
    }
}

extension CheckpointIdentity {
    func writeTraceAttributes(to group: borrowing H5Group) throws {
        try group.setAttribute("path", path)
        try group.setAttribute("content_hash", contentHash)
        try group.setAttribute("parameter_count", Int64(parameterCount))
        try group.setAttribute("architecture", shape.architecture)
        for (name, value) in zip(ModelShape.traceIntegerNames, shape.traceIntegers) {
            try group.setAttribute(name, Int64(value))
        }
        try group.setAttribute("tied_head", UInt8(shape.tiedHead ? 1 : 0))
    }
}

extension ModelShape {
    /// The attribute names in `/marsim/checkpoint` of the integer fields, in `traceIntegers` order.
    static let traceIntegerNames = ["d_model", "layers", "vocab_size", "d_inner", "heads", "head_dim", "groups",
                                    "d_state", "conv_kernel", "mlp_hidden", "in_proj_rows"]

    /// The integer fields, in `traceIntegerNames` order.
    var traceIntegers: [Int] {
        [dModel, layers, vocabSize, dInner, heads, headDim, groups, dState, convKernel, mlpHidden, inProjRows]
    }

    /// Rebuilds a shape from its architecture, `traceIntegers` and `tiedHead`.
    init(architecture: String, traceIntegers v: [Int], tiedHead: Bool) {
        precondition(v.count == Self.traceIntegerNames.count)
        self.init(architecture: architecture, dModel: v[0], layers: v[1], vocabSize: v[2], dInner: v[3], heads: v[4],
                  headDim: v[5], groups: v[6], dState: v[7], convKernel: v[8], mlpHidden: v[9], inProjRows: v[10],
                  tiedHead: tiedHead)
    }
}
