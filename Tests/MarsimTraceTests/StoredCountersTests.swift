import Foundation
@testable import MarsimTrace
import MarsimCore
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

    @Test func countsDecodeFromEitherSpellingAndEncodeBoth() throws {
        let decoded = try JSONDecoder().decode(ActivityCounts.self, from: Data(#"{"synaptic_ops": 7, "macs": 9}"#.utf8))
        #expect(decoded.synapticOps == 7 && decoded.denseMACs == 9)
        let encoded = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(decoded)) as? [String: Int])
        #expect(encoded["acs"] == 7 && encoded["synaptic_ops"] == 7 && encoded["macs"] == 9 && encoded["dense_macs"] == 9)
    }
}
