import Foundation
import MarsimCore
import MarsimTrace
import Testing

extension TraceTests {
    @Suite("Writer input") struct WriterInput {
        @Test func unwritablePathFailsBeforeAnySimulationWithOneLine() throws {
            let parent = "/nonexistent-\(UUID().uuidString)"
            let path = parent + "/run.h5"
            let error = #expect(throws: TraceError.self) {
                _ = try TraceWriter(path: path, metadata: SyntheticRun().metadata, level: .events)
            }
            #expect(error?.description == "cannot create trace \(path): cannot create the trace: its directory \(parent) does not exist")
            try withTemporaryDirectory { directory in
                let error = #expect(throws: TraceError.self) {
                    _ = try TraceWriter(path: directory, metadata: SyntheticRun().metadata, level: .events)
                }
                #expect(error?.description == "cannot create trace \(directory): the trace is a directory")
            }
        }

        @Test func inconsistentMetadataIsRejected() throws {
            try withTemporaryDirectory { directory in
                var metadata = SyntheticRun().metadata
                metadata.thresholds.removeLast()
                let error = #expect(throws: TraceError.self) {
                    _ = try TraceWriter(path: directory + "/m.h5", metadata: metadata, level: .events)
                }
                #expect(error?.description.contains("7 threshold lists for 8 spiking sites") == true)
            }
        }

        /// Ways to spoil token 1 of the synthetic run, with the phrase the error must contain.
        enum Damage: CaseIterable, Sendable {
            case missingUnit, repeatedPosition, tickTooLate, ticksOutOfOrder, zeroPolarity, channelTooHigh,
                 unknownSite, duplicateSite, raggedArrays

            var reason: String {
                switch self {
                case .missingUnit: return "counts for 20 units, expected 21"
                case .repeatedPosition: return "positions must increase"
                case .tickTooLate: return "tick 4 is not below T = 4"
                case .ticksOutOfOrder: return "ticks are not in time order"
                case .zeroPolarity: return "payload 0 is not a nonzero value within ±1"
                case .channelTooHigh: return "channel 16 is not below the site's 16 inputs"
                case .unknownSite: return "spikes for site 8 of 8"
                case .duplicateSite: return "lists site 1 twice"
                case .raggedArrays: return "differ in length"
                }
            }

            func apply(to token: inout TokenActivity) {
                switch self {
                case .missingUnit: token.counts.removeLast()
                case .repeatedPosition: token.position = 0
                case .tickTooLate: token.spikes[2] = SiteSpikes(site: 2, channels: [1], ticks: [4], polarity: [1])
                case .ticksOutOfOrder: token.spikes[2] = SiteSpikes(site: 2, channels: [1, 2], ticks: [2, 1], polarity: [1, 1])
                case .zeroPolarity: token.spikes[2] = SiteSpikes(site: 2, channels: [1], ticks: [0], polarity: [0])
                case .channelTooHigh: token.spikes[0] = SiteSpikes(site: 0, channels: [16], ticks: [0], polarity: [1])
                case .unknownSite: token.spikes.append(SiteSpikes(site: 8))
                case .duplicateSite: token.spikes[0].site = 1
                case .raggedArrays: token.spikes[3].polarity.append(1)
                }
            }
        }

        @Test(arguments: Damage.allCases)
        func invalidTokensAreRejectedAndNothingIsBuffered(damage: Damage) throws {
            let reason = damage.reason
            try withTemporaryDirectory { directory in
                let path = directory + "/t.h5"
                let run = SyntheticRun()
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events)
                try writer.append(run.token(0))
                var bad = run.token(1)
                damage.apply(to: &bad)
                let error = #expect(throws: TraceError.self) { try writer.append(bad) }
                #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
                try writer.append(run.token(1))
                try writer.finish(endTime: "end")
                let reader = try TraceReader(path: path)
                #expect(reader.tokensWritten == 2)
                #expect(try reader.counts() == [run.token(0).counts, run.token(1).counts])
            }
        }

        @Test func appendAfterFinishIsRefused() throws {
            try withTemporaryDirectory { directory in
                let run = SyntheticRun()
                let writer = try TraceWriter(path: directory + "/t.h5", metadata: run.metadata, level: .counts)
                try writer.finish(endTime: "end")
                #expect(throws: TraceError.closed(path: directory + "/t.h5", reason: "the trace was already finished")) {
                    try writer.append(run.token(0))
                }
            }
        }

        @Test func countsLevelDoesNotCheckEvents() throws {
            try withTemporaryDirectory { directory in
                let run = SyntheticRun()
                let writer = try TraceWriter(path: directory + "/t.h5", metadata: run.metadata, level: .counts)
                var token = run.token(0)
                token.spikes = [SiteSpikes(site: 99)]
                try writer.append(token)
                try writer.finish(endTime: "end")
            }
        }
    }
}
