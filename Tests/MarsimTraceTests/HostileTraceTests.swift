import Foundation
import MarsimCore
import MarsimHDF5
import MarsimTrace
import Testing

extension TraceTests {
    /// Crafted traces from issue 11 (parts 4–6): huge or negative sizes and counts, sparse files
    /// claiming billions of rows, non-finite timing. Each must fail with one line naming the file,
    /// quickly and without allocating for the claimed size — never trap, hang or exhaust memory.
    @Suite("Hostile traces") struct HostileTraces {
        /// A finished trace of 12 synthetic tokens at `level`.
        static func trace(_ directory: String, _ name: String, level: TraceLevel = .events) throws -> String {
            let path = directory + "/" + name + ".h5"
            let run = SyntheticRun()
            let writer = try TraceWriter(path: path, metadata: run.metadata, level: level)
            for k in 0..<12 { try writer.append(run.token(k)) }
            try writer.finish(endTime: "end")
            return path
        }

        /// Opens `path` and reads everything `marsim trace` and `marsim energy` read, expecting a
        /// one-line `TraceError` containing `fragment` within a second.
        static func expectRefused(_ path: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let start = ContinuousClock.now
            let error = #expect(throws: TraceError.self, sourceLocation: sourceLocation) {
                let reader = try TraceReader(path: path)
                _ = try TraceSummary(reader: reader)
                _ = try reader.counts()
                for population in reader.populations { _ = try reader.events(population: population) }
                if reader.tokensWritten > 0 { _ = try reader.spikes(token: reader.tokensWritten - 1) }
            }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < .seconds(2), "took \(elapsed)", sourceLocation: sourceLocation)
            guard let message = error?.description else { return }
            #expect(message.contains(path) && !message.contains("\n"), "\(message)", sourceLocation: sourceLocation)
            #expect(message.contains(fragment), "\(message)\n  should contain: \(fragment)", sourceLocation: sourceLocation)
        }

        static let perTokenDatasets = ["tokens/position", "tokens/token_id", "tokens/kl_nats", "tokens/top1_agrees", "tokens/dense_nll",
                                       "tokens/spiking_nll", "tokens/event_counts"] + ActivityCounts.fieldNames.map { "counts/" + $0 }

        /// A small file claiming 10^9 tokens (every per-token dataset extended, sparsely) used to make
        /// the reader allocate ~128 GB, or hang reading 10^7 tokens of fill values.
        @Test(arguments: [1_000_000_000, 10_000_000])
        func sparseFileClaimingManyTokens(tokens: Int) throws {
            try withTemporaryDirectory { directory in
                let path = try Self.trace(directory, "sparse")
                try TraceSurgery.edit(path) { file in
                    for name in Self.perTokenDatasets {
                        let dataset = try file.openDataset("marsim/" + name)
                        var shape = try dataset.shape()
                        shape[0] = tokens
                        try dataset.setExtent(shape)
                    }
                    try file.openGroup("marsim").setAttribute("tokens_flushed", Int64(tokens))
                }
                let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
                #expect(size < 1 << 20)
                Self.expectRefused(path, "the file stores data for at most")
            }
        }

        /// 2^40 events claimed by `event_counts` in a sparse population (the reader tried 8.8 TB).
        @Test func sparsePopulationClaimingTrillionsOfEvents() throws {
            try withTemporaryDirectory { directory in
                let path = try Self.trace(directory, "events")
                try TraceSurgery.edit(path) { file in
                    let counts = try file.openDataset("marsim/tokens/event_counts")
                    let sites = try counts.shape()[1]
                    var values = try counts.read(as: UInt64.self)
                    values[0] = 1 << 40
                    try counts.write(values)
                    let total = stride(from: 0, to: values.count, by: sites).reduce(0) { $0 + Int(values[$1]) }
                    for name in ["node_ids", "timestamps", "polarity"] {
                        try file.openDataset("spikes/layer00.mixer.in_proj/" + name).setExtent([total])
                    }
                }
                Self.expectRefused(path, "the file stores data for at most")
            }
        }

        /// Event counts whose prefix sums pass 2^63 (a UInt64 → Int conversion used to trap).
        @Test func eventCountsThatOverflow() throws {
            try withTemporaryDirectory { directory in
                let path = try Self.trace(directory, "overflow")
                try TraceSurgery.edit(path) { file in
                    let counts = try file.openDataset("marsim/tokens/event_counts")
                    var values = try counts.read(as: UInt64.self)
                    values[0] = .max
                    values[8] = 1 << 62
                    values[16] = 1 << 62
                    try counts.write(values)
                }
                Self.expectRefused(path, "sums past 2^63 events")
            }
        }

        /// Counters near Int64.max sum past 64 bits; negative counters are refused as such.
        @Test func countersThatOverflowOrAreNegative() throws {
            try withTemporaryDirectory { directory in
                let huge = try Self.trace(directory, "huge", level: .counts)
                try TraceSurgery.edit(huge) { file in
                    let macs = try file.openDataset("marsim/counts/macs")
                    try macs.write([Int64](repeating: .max / 3, count: try macs.dataspace().elementCount()))
                }
                Self.expectRefused(huge, "does not fit in 64 bits")
                let spikes = try Self.trace(directory, "spikes", level: .counts)
                try TraceSurgery.edit(spikes) { file in
                    for name in ["spikes_positive", "spikes_negative"] {
                        let dataset = try file.openDataset("marsim/counts/" + name)
                        var values = try dataset.read(as: Int64.self)
                        values[3] = .max / 2 + 100
                        try dataset.write(values)
                    }
                }
                Self.expectRefused(spikes, "spikes of both polarities")
                let negative = try Self.trace(directory, "negative", level: .counts)
                try TraceSurgery.edit(negative) { file in
                    let updates = try file.openDataset("marsim/counts/neuron_updates")
                    var values = try updates.read(as: Int64.self)
                    values[5] = -7
                    try updates.write(values)
                }
                Self.expectRefused(negative, "counts/neuron_updates is negative (-7)")
            }
        }

        /// The metadata a writer would refuse is refused on reading: a negative or huge dense
        /// baseline, T beyond 255 (its product with the sites used to overflow), NaN or negative tick
        /// periods, NaN tau, negative thresholds.
        @Test(arguments: [
            ("schedule_timesteps", "int", "ticks per site (ticks are 1...255)"),
            ("timesteps", "int", "is not in 1...255"),
            ("tick_period_ms", "nan", "is not a positive number"),
            ("tick_period_ms", "negative", "is not a positive number"),
            ("tau", "nan", "tau nan is not a positive number"),
            ("baseline", "negative", "dense baseline has a negative count"),
            ("threshold", "negative", "is not a positive finite number"),
        ])
        func metadataOutOfRange(field: String, value: String, fragment: String) throws {
            try withTemporaryDirectory { directory in
                let path = try Self.trace(directory, "meta")
                try TraceSurgery.edit(path) { file in
                    let marsim = try file.openGroup("marsim")
                    switch (field, value) {
                    case (_, "int"): try marsim.setAttribute(field, Int64(1) << 62)
                    case (_, "nan") where field != "baseline": try marsim.setAttribute(field, Double.nan)
                    case ("tick_period_ms", "negative"): try marsim.setAttribute(field, -1.0)
                    case ("baseline", _):
                        let baseline = try file.openDataset("marsim/dense_baseline")
                        var values = try baseline.read(as: Int64.self)
                        values[4] = -1
                        try baseline.write(values)
                    default:
                        let thresholds = try file.openDataset("marsim/thresholds/layer00.mixer.in_proj")
                        var values = try thresholds.read(as: Float.self)
                        values[0] = -0.5
                        try thresholds.write(values)
                    }
                }
                Self.expectRefused(path, fragment)
            }
        }

        /// Events whose node id is 2^64 − 1 or whose timestamp is NaN (the raster plot trapped on
        /// them) are refused when read.
        @Test(arguments: ["node", "time"])
        func eventValuesOutOfRange(which: String) throws {
            try withTemporaryDirectory { directory in
                let path = try Self.trace(directory, "values")
                try TraceSurgery.edit(path) { file in
                    let population = "spikes/layer00.mixer.in_proj/"
                    if which == "node" {
                        let ids = try file.openDataset(population + "node_ids")
                        var values = try ids.read(as: UInt64.self)
                        values[0] = .max
                        try ids.write(values)
                    } else {
                        let times = try file.openDataset(population + "timestamps")
                        var values = try times.read(as: Double.self)
                        values[0] = .nan
                        try times.write(values)
                    }
                }
                Self.expectRefused(path, which == "node" ? "node_ids holds 18446744073709551615" : "timestamps holds nan ms")
            }
        }

        /// Positions out of order, or so large that timestamps would overflow, are refused.
        @Test func positionsOutOfRange() throws {
            try withTemporaryDirectory { directory in
                let path = try Self.trace(directory, "positions")
                try TraceSurgery.edit(path) { file in
                    let positions = try file.openDataset("marsim/tokens/position")
                    var values = try positions.read(as: Int64.self)
                    values[11] = .max - 1
                    try positions.write(values)
                }
                Self.expectRefused(path, "beyond the tick schedule")
                try TraceSurgery.edit(path) { file in
                    let positions = try file.openDataset("marsim/tokens/position")
                    var values = try positions.read(as: Int64.self)
                    values[11] = 3
                    try positions.write(values)
                }
                Self.expectRefused(path, "not after 10")
            }
        }

        /// An attribute claiming many values is refused before it is read.
        @Test func largeAttributesAreRefused() throws {
            try withTemporaryDirectory { directory in
                let path = try Self.trace(directory, "attribute")
                try TraceSurgery.edit(path) { file in
                    try file.openGroup("marsim").setAttribute("format_version", [UInt32](repeating: 1, count: 1_000))
                }
                Self.expectRefused(path, "expected at most 16 values")
            }
        }
    }
}
