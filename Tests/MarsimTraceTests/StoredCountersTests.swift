import Foundation
@testable import MarsimTrace
import MarsimCore
import MarsimHDF5
import Testing

/// Counters renamed in 0.x (`synaptic_ops` → `acs`, `dense_macs` → `macs`) still read from files
/// that use the former names; a counter a file lacks is reported as absent.
@Suite struct StoredCountersTests {
    @Test func formerNamesMapToTheRenamedCounters() throws {
        let old = StoredCounters(fileFields: ["spikes_positive", "synaptic_ops", "dense_macs"])
        #expect(old.stores("acs") && old.stores("macs") && old.stores("synaptic_ops") && !old.stores("membrane_updates"))
        #expect(old.fileName(of: try #require(Counter.named("acs"))) == "synaptic_ops")
        #expect(old.fileName(of: try #require(Counter.named("dense_macs"))) == "dense_macs")
        let values = [3, 50, 70]
        let c = old.counts(fileRow: { values[$0] }, neuron: NeuronRecord.atmn)
        #expect(c.spikesPositive == 3 && c.synapticOps == 50 && c.denseMACs == 70 && c.membraneUpdates == 0)
        let new = StoredCounters(fileFields: ActivityCounts.fieldNames)
        #expect(new.fileName(of: try #require(Counter.named("synaptic_ops"))) == "acs")
    }

    /// A format 1.2 file: counters `synaptic_ops` and `dense_macs`, no `membrane_updates` — made by
    /// renaming and removing datasets of a new trace. It reads with the same values, the absent
    /// counter as 0 and reported as not stored.
    @Test func formatOnePointTwoReadsWithFormerNames() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/old.h5"
            let run = SyntheticRun()
            let tokens = (0..<6).map(run.token)
            let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events)
            for token in tokens { try writer.append(token) }
            try writer.finish(endTime: "2026-12-01T10:05:00Z")
            let dropped = ActivityCounts.fieldNames.firstIndex(of: "membrane_updates")!
            let old = ActivityCounts.fieldNames.filter { $0 != "membrane_updates" }
                .map { $0 == "acs" ? "synaptic_ops" : $0 == "macs" ? "dense_macs" : $0 }
            try TraceSurgery.edit(path) { file in
                for (new, former) in [("acs", "synaptic_ops"), ("macs", "dense_macs")] {
                    let values = try file.openDataset("/marsim/counts/" + new).read(as: Int64.self)
                    try file.removeMember("/marsim/counts/" + new)
                    _ = try file.createDataset("/marsim/counts/" + former, values: values, shape: [tokens.count, run.metadata.units.count])
                }
                try file.removeMember("/marsim/counts/membrane_updates")
                try file.removeMember("/marsim/counter_fields")
                _ = try file.createDataset("/marsim/counter_fields", strings: old)
                let baseline = run.metadata.denseBaseline.flatMap { c in
                    c.fields.enumerated().filter { $0.offset != dropped }.map { Int64($0.element) }
                }
                try file.removeMember("/marsim/dense_baseline")
                _ = try file.createDataset("/marsim/dense_baseline", values: baseline, shape: [run.metadata.units.count, old.count])
                try file.openGroup("/marsim").setAttribute("format_version", [UInt32(1), 2])
            }
            let reader = try TraceReader(path: path)
            #expect(!reader.stores(counter: "membrane_updates") && reader.stores(counter: "acs"))
            let expected = tokens.map { $0.counts.map { c -> ActivityCounts in var c = c; c.membraneUpdates = 0; return c } }
            #expect(try reader.counts() == expected)
            #expect(expected.joined().contains { $0.synapticOps > 0 } && expected.joined().contains { $0.denseMACs > 0 })
        }
    }

    @Test func countsDecodeFromEitherSpellingAndEncodeBoth() throws {
        let decoded = try JSONDecoder().decode(ActivityCounts.self, from: Data(#"{"synaptic_ops": 7, "macs": 9}"#.utf8))
        #expect(decoded.synapticOps == 7 && decoded.denseMACs == 9)
        let encoded = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(decoded)) as? [String: Int])
        #expect(encoded["acs"] == 7 && encoded["synaptic_ops"] == 7 && encoded["macs"] == 9 && encoded["dense_macs"] == 9)
    }
}
