import Foundation
import MarsimCore
import Testing
@testable import MarsimEnergy

/// Counters and cost kinds are declared once; the docs show the tables derived from the
/// declarations, and the energy model charges exactly the declared terms.
@Suite("Counter and cost-kind tables")
struct DeclarationTableTests {
    static let profilesDoc: String = {
        let url = URL(fileURLWithPath: hardwareProfilesDirectory).deletingLastPathComponent().appendingPathComponent("docs/PROFILES.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    @Test("docs/PROFILES.md holds the counter and cost-kind tables as the declarations print them")
    func docsAreDerived() {
        #expect(Self.profilesDoc.contains(Counter.markdownTable), "regenerate with Counter.markdownTable")
        #expect(Self.profilesDoc.contains(CostKind.markdownTable), "regenerate with CostKind.markdownTable")
    }

    @Test("every counter has one stored field, and JSON keys are the counters' names")
    func countersRoundTrip() throws {
        var c = ActivityCounts()
        for (k, counter) in Counter.all.enumerated() { c[keyPath: counter.field] = 1000 + k }
        #expect(c.fields == Counter.all.indices.map { 1000 + $0 })
        #expect(Set(Counter.all.map(\.name)).count == Counter.all.count)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as! [String: Int]
        // Renamed counters are also written under their former names (deprecated, one release).
        #expect(json == Dictionary(uniqueKeysWithValues: Counter.all.enumerated().flatMap { k, counter in
            [(counter.name, 1000 + k)] + (counter.formerName.map { [($0, 1000 + k)] } ?? [])
        }))
        #expect(try JSONDecoder().decode(ActivityCounts.self, from: JSONEncoder().encode(c)) == c)
    }

    @Test("each kind charges Σ counter × price over its declared terms, and the profile keys come from them")
    func kindsFollowTheirDeclarations() throws {
        #expect(CostKind.computeKeys.map(\.key) == ["ac", "mac", "neuron_update", "spike", "spike_bit", "add", "mul", "nonlinear"])
        #expect(CostKind.memoryPlacementKeys == ["weights", "neuron_state", "recurrent_state"])
        #expect(CostKind.precisionKeys == ["weight_bits", "state_bits", "recurrent_state_bits"])
        let prices = CostTable(profile: try shippedProfile("horowitz-45nm-memory"))
        var counts = ActivityCounts()
        for (k, counter) in Counter.all.enumerated() { counts[keyPath: counter.field] = 3 + 7 * k }
        // Hand-derived from horowitz-45nm-memory.toml: spike 0 pJ, spike_bit (10 + 10)/64 pJ;
        // weights in DRAM: 1.3 nJ × 32/64; membranes in 32 KB SRAM: 20 pJ × 32/64 each way.
        #expect(isClose(CostKind.spike.joules(counts, prices), Double(counts.spikePayloadBits) * 20e-12 / 64))
        #expect(isClose(CostKind.weights.joules(counts, prices), Double(counts.weightsRead) * 1.3e-9 / 2))
        #expect(isClose(CostKind.neuronState.joules(counts, prices),
                        Double(counts.neuronStateRead + counts.neuronStateWritten) * 20e-12 / 2))
        #expect(CostKind.staticPower.joules(counts, prices) == 0)
        #expect(prices.memoryLevel(of: .weights) == "dram" && prices.memoryLevel(of: .ac) == nil)
        // Every counter is priced by a kind, but `membrane_updates`: NeuroBench's metric, reported, not
        // priced (the membrane steps are priced through `neuron_updates`).
        let priced = CostKind.allCases.flatMap { $0.declaration.terms.map(\.counter.name) }
        #expect(Set(priced) == Set(Counter.all.map(\.name)).subtracting(["membrane_updates"]))
    }
}
