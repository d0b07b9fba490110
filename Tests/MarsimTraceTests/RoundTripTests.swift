import MarsimCore
import MarsimTrace
import Testing

extension TraceTests {
    @Suite("Round trip") struct RoundTrip {
        @Test func eventsLevelReadsBackEveryValue() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/run.h5"
                let run = SyntheticRun()
                let tokens = (0..<40).map(run.token)
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events)
                for token in tokens { try writer.append(token) }
                try writer.finish(endTime: "2026-12-01T10:05:00Z")
                #expect(writer.tokensFlushed == 40)

                let reader = try TraceReader(path: path)
                var expected = run.metadata
                expected.endTime = "2026-12-01T10:05:00Z"
                #expect(reader.metadata == expected)
                #expect(reader.isComplete)
                #expect(reader.level == .events)
                #expect(reader.tokensWritten == 40)
                #expect(reader.formatVersion == TraceFormat.formatVersion && TraceFormat.formatVersion == [1, 3])
                #expect(reader.populations == run.metadata.spikingSites.map(\.name))
                #expect(try reader.positions() == Array(0..<40))
                #expect(try reader.tokenIDs() == tokens.map(\.tokenID))
                #expect(try reader.fidelity() == tokens.map(\.fidelity))
                #expect(try reader.counts() == tokens.map(\.counts))
                #expect(try reader.totalCounts() == tokens.map(\.counts).reduce(into: run.metadata.units.map { _ in ActivityCounts() }) {
                    for u in $0.indices { $0[u] += $1[u] }
                })
                #expect(reader.eventCounts() == tokens.map { $0.spikes.map(\.count) })
                for k in [0, 1, 17, 39] {
                    #expect(sameActivity(try reader.activity(token: k), tokens[k]))
                }
            }
        }

        @Test func eventsAreStoredAsSonataTimestamps() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/run.h5"
                let run = SyntheticRun()
                let tokens = (0..<5).map(run.token)
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events)
                for token in tokens { try writer.append(token) }
                try writer.finish(endTime: "end")

                let reader = try TraceReader(path: path)
                let site = 3
                let events = try reader.events(population: reader.populations[site])
                let schedule = run.metadata.schedule
                var expected = SpikeEvents(nodeIDs: [], timestampsMs: [], polarity: [])
                for token in tokens {
                    let spikes = token.spikes[site]
                    expected.nodeIDs += spikes.channels.map { UInt64($0) }
                    expected.timestampsMs += spikes.ticks.map { schedule.timeMs(token: token.position, site: site, tick: Int($0)) }
                    expected.polarity += spikes.polarity
                }
                #expect(events == expected)
                #expect(events.timestampsMs == events.timestampsMs.sorted())
                #expect(try reader.events(population: reader.populations[site], tokens: 2..<3).count == tokens[2].spikes[site].count)
                #expect(throws: TraceError.self) { try reader.events(population: "layer09.nothing") }
                #expect(throws: TraceError.self) { try reader.counts(tokens: 3..<6) }
            }
        }

        @Test func countsLevelStoresNoEvents() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/counts.h5"
                let run = SyntheticRun()
                let tokens = (0..<25).map(run.token)
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .counts)
                for token in tokens { try writer.append(token) }
                try writer.finish(endTime: "end")

                let reader = try TraceReader(path: path)
                #expect(reader.level == .counts)
                #expect(reader.populations.isEmpty)
                #expect(reader.isComplete)
                #expect(try reader.counts() == tokens.map(\.counts))
                #expect(try reader.fidelity() == tokens.map(\.fidelity))
                #expect(reader.eventTotals().isEmpty)
                #expect(throws: TraceError.self) { try reader.events(population: run.metadata.spikingSites[0].name) }
                let activity = try reader.activity(token: 7)
                #expect(activity.spikes.isEmpty && activity.counts == tokens[7].counts)
            }
        }

        @Test func denseRunWithoutSpikingSites() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/dense.h5"
                let run = SyntheticRun(dense: true)
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events)
                for k in 0..<3 { try writer.append(run.token(k)) }
                try writer.finish(endTime: "end")
                let reader = try TraceReader(path: path)
                #expect(reader.populations.isEmpty)
                #expect(reader.metadata.spikingSites.isEmpty)
                #expect(try reader.counts() == (0..<3).map { run.token($0).counts })
                #expect(reader.eventCounts() == [[], [], []])
            }
        }

        @Test func emptyTraceIsComplete() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/empty.h5"
                let writer = try TraceWriter(path: path, metadata: SyntheticRun().metadata, level: .events)
                try writer.finish(endTime: "end")
                let reader = try TraceReader(path: path)
                #expect(reader.isComplete && reader.tokensWritten == 0)
                #expect(try reader.counts().isEmpty)
                #expect(reader.eventTotals() == Array(repeating: 0, count: 8))
            }
        }
    }
}
