import MarsimCore
import MarsimHDF5

/// Reads back what `writeTraceHeader` wrote, checking every type (see `TraceFormat`).
extension RunMetadata {
    /// `endTime` is read only when `complete` is true.
    init(trace access: borrowing TraceFileAccess, complete: Bool) throws {
        let marsim = try access.group(TraceFormat.marsim)
        let checkpointGroup = try access.group(TraceFormat.checkpoint)

        let shape = ModelShape(
            architecture: try access.stringAttribute("architecture", of: checkpointGroup),
            traceIntegers: try ModelShape.traceIntegerNames.map {
                Int(try access.attribute($0, of: checkpointGroup, as: Int64.self))
            },
            tiedHead: try access.attribute("tied_head", of: checkpointGroup, as: UInt8.self) != 0)
        let checkpoint = CheckpointIdentity(
            path: try access.stringAttribute("path", of: checkpointGroup), shape: shape,
            parameterCount: Int(try access.attribute("parameter_count", of: checkpointGroup, as: Int64.self)),
            contentHash: try access.stringAttribute("content_hash", of: checkpointGroup))

        let units = try Self.units(access, TraceFormat.units)
        let sites = try Self.units(access, TraceFormat.spikingSites)
        let neuron = try Self.neuron(access)
        let stored = StoredCounters(fileFields: try access.strings(TraceFormat.counterFields))
        let fieldCount = stored.fileFields.count
        let baselineShape = try access.dataset(TraceFormat.denseBaseline, Int64.self, rank: 2).shape()
        guard baselineShape[1] == fieldCount, baselineShape[0] == units.count || baselineShape[0] == 0 else {
            throw TraceError.wrongShape(path: access.path, object: TraceFormat.denseBaseline,
                                        expected: "[\(units.count), \(fieldCount)]", found: baselineShape)
        }
        let baselineValues = try access.values(TraceFormat.denseBaseline, Int64.self, rank: 2).values.map { Int($0) }
        let baseline = stride(from: 0, to: baselineValues.count, by: max(1, fieldCount)).map { row in
            stored.counts(fileRow: { baselineValues[row + $0] }, neuron: neuron)
        }
        let thresholds = try sites.map { site in
            try access.values(TraceFormat.threshold(site.name), Float.self, rank: 1).values
        }
        let inputTokenIDs = try access.values(TraceFormat.inputTokenIDs, Int64.self, rank: 1).values.map { Int($0) }

        self.init(
            marsimVersion: try access.stringAttribute("marsim_version", of: marsim),
            checkpoint: checkpoint,
            mode: try access.stringAttribute("mode", of: marsim),
            timesteps: Int(try access.attribute("timesteps", of: marsim, as: Int64.self)),
            tau: try access.attribute("tau", of: marsim, as: Double.self),
            placement: try access.stringAttribute("placement", of: marsim),
            spikingSites: sites,
            thresholds: thresholds,
            thresholdSource: try access.stringAttribute("threshold_source", of: marsim),
            schedule: TickSchedule(
                sitesPerToken: Int(try access.attribute("sites_per_token", of: marsim, as: Int64.self)),
                timesteps: Int(try access.attribute("schedule_timesteps", of: marsim, as: Int64.self)),
                tickPeriodMs: try access.attribute("tick_period_ms", of: marsim, as: Double.self)),
            units: units,
            denseBaseline: baseline,
            inputTokenIDs: inputTokenIDs,
            startTime: try access.stringAttribute("start_time", of: marsim),
            endTime: complete ? try access.stringAttribute("end_time", of: marsim) : nil,
            neuron: neuron)
        if schedule.sitesPerToken != sites.count {
            throw TraceError.inconsistent(path: access.path, reason:
                "sites_per_token is \(schedule.sitesPerToken) but \(TraceFormat.spikingSites) lists \(sites.count) sites")
        }
        // Everything the writer would refuse to record (a NaN or negative tick period, T outside
        // 1…255, negative counts in the dense baseline …) is refused on reading too.
        if let problem = TraceInputValidation.problem(with: self) {
            throw TraceError.inconsistent(path: access.path, reason: problem)
        }
    }

    /// The `/marsim/neuron` record, or ATMN's for a trace written before neuron models were a choice.
    private static func neuron(_ access: borrowing TraceFileAccess) throws -> NeuronRecord {
        guard try access.exists(TraceFormat.neuron) else { return .atmn }
        let group = try access.group(TraceFormat.neuron)
        var parameters: [String: String] = [:]
        for line in try access.strings(TraceFormat.neuronParameters) {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, parameters[parts[0]] == nil else {
                throw TraceError.inconsistent(path: access.path, reason: "\(TraceFormat.neuronParameters) holds \"\(line)\", not a new name=value")
            }
            parameters[parts[0]] = parts[1]
        }
        return NeuronRecord(model: try access.stringAttribute("model", of: group),
                            payloadBits: Int(try access.attribute("payload_bits", of: group, as: Int64.self)),
                            maxPayload: Int(try access.attribute("max_payload", of: group, as: Int64.self)),
                            parameters: parameters)
    }

    private static func units(_ access: borrowing TraceFileAccess, _ object: String) throws -> [AccountingUnit] {
        try access.strings(object).map { name in
            guard let unit = AccountingUnit(name: name) else {
                throw TraceError.inconsistent(path: access.path, reason: "\(object) lists unknown unit \"\(name)\"")
            }
            return unit
        }
    }
}

