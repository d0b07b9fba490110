import MarsimCore
import MarsimTrace
import Testing

extension TraceTests {
    @Suite("Summary") struct Summary {
        @Test func firingRatesPerSiteAndLayerComeFromTheCounters() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/s.h5"
                let run = SyntheticRun()
                let tokens = (0..<30).map(run.token)
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events)
                for token in tokens { try writer.append(token) }
                try writer.flush()
                let summary = try TraceSummary(reader: TraceReader(path: writer.journalPath))
                #expect(!summary.complete && summary.tokens == 30)
                try writer.finish(endTime: "end")

                let finished = try TraceSummary(reader: TraceReader(path: path))
                #expect(finished.complete && finished.tokens == 30 && finished.level == .events)
                #expect(finished.sites.map(\.name) == run.metadata.spikingSites.map(\.name))
                for (index, site) in finished.sites.enumerated() {
                    let events = tokens.reduce(0) { $0 + $1.spikes[index].count }
                    let fanIn = run.metadata.thresholds[index].count
                    #expect(site.events == events && site.spikes == events)
                    #expect(site.neurons == fanIn)
                    #expect(site.neuronUpdates == 30 * fanIn * 4)
                    #expect(site.firingRate == Double(events) / Double(30 * fanIn * 4))
                }
                #expect(finished.layers.map(\.layer) == [0, 1])
                let layer0 = finished.sites.filter { $0.layer == 0 }
                #expect(finished.layers[0].spikes == layer0.reduce(0) { $0 + $1.spikes })
                #expect(finished.layers[0].firingRate
                        == Double(layer0.reduce(0) { $0 + $1.spikes }) / Double(layer0.reduce(0) { $0 + $1.neuronUpdates }))
                #expect(finished.events == finished.spikes)
                let withFidelity = tokens.compactMap(\.fidelity)
                #expect(finished.fidelity.tokens == withFidelity.count)
                #expect(finished.fidelity.top1Agreement == Double(withFidelity.filter(\.top1Agrees).count) / Double(withFidelity.count))
                #expect(finished.run.endTime == "end" && finished.run.architecture == "llamba")
            }
        }

        @Test func countsLevelHasNoEventTotals() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/c.h5"
                let run = SyntheticRun()
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .counts)
                for k in 0..<5 { try writer.append(run.token(k)) }
                try writer.finish(endTime: "end")
                let summary = try TraceSummary(reader: TraceReader(path: path))
                #expect(summary.events == nil)
                #expect(summary.sites.allSatisfy { $0.events == nil && $0.spikes > 0 })
            }
        }
    }
}
