import Foundation
import MarsimCore
import MarsimTrace
import Testing

extension TraceTests {
    /// Traces whose writer never finished: a killed run must leave every flushed token readable.
    @Suite("Incomplete traces") struct IncompleteTraces {
        /// Copying the file while the writer is open and idle captures exactly what a kill at that
        /// moment would leave on disk (the writer touches the file only inside a flush).
        @Test func copyTakenBetweenFlushesHoldsEveryFlushedToken() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/live.h5"
                let run = SyntheticRun()
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: .everyToken)
                for k in 0..<10 { try writer.append(run.token(k)) }
                #expect(writer.tokensFlushed == 10)
                let snapshot = directory + "/snapshot.h5"
                try FileManager.default.copyItem(atPath: path, toPath: snapshot)

                let reader = try TraceReader(path: snapshot)
                #expect(!reader.isComplete)
                #expect(reader.tokensWritten == 10)
                #expect(reader.metadata.endTime == nil)
                #expect(try reader.counts() == (0..<10).map { run.token($0).counts })
                for k in [0, 9] { #expect(sameActivity(try reader.activity(token: k), run.token(k))) }

                // The live writer carries on unaffected and finishes normally.
                for k in 10..<12 { try writer.append(run.token(k)) }
                try writer.finish(endTime: "end")
                let finished = try TraceReader(path: path)
                #expect(finished.isComplete && finished.tokensWritten == 12)
            }
        }

        @Test func batchedTokensAreOnDiskOnlyOnceFlushed() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/batched.h5"
                let run = SyntheticRun()
                let policy = TraceFlushPolicy(interval: .seconds(3600), maxTokens: 4, maxEvents: .max)
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: policy)
                for k in 0..<10 { try writer.append(run.token(k)) }
                #expect(writer.tokensAppended == 10 && writer.tokensFlushed == 8)
                let snapshot = directory + "/snapshot.h5"
                try FileManager.default.copyItem(atPath: path, toPath: snapshot)
                let reader = try TraceReader(path: snapshot)
                #expect(reader.tokensWritten == 8 && !reader.isComplete)
                #expect(reader.eventCounts() == (0..<8).map { run.token($0).spikes.map(\.count) })

                try writer.flush()
                #expect(writer.tokensFlushed == 10)
            }
        }

        @Test func droppedWriterKeepsItsBufferedTokensButIsIncomplete() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/dropped.h5"
                let run = SyntheticRun()
                do {
                    let policy = TraceFlushPolicy(interval: .seconds(3600), maxTokens: 100, maxEvents: .max)
                    let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: policy)
                    for k in 0..<7 { try writer.append(run.token(k)) }
                    #expect(writer.tokensFlushed == 0)
                }
                let reader = try TraceReader(path: path)
                #expect(!reader.isComplete)
                #expect(reader.tokensWritten == 7)
                #expect(try reader.tokenIDs() == (0..<7).map { run.token($0).tokenID })
            }
        }

        /// A trace whose rows run past `tokens_flushed` (a run killed while flushing) reads the
        /// flushed tokens and ignores the rest.
        @Test func rowsPastTokensFlushedAreIgnored() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/partial.h5"
                let run = SyntheticRun()
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: .everyToken)
                for k in 0..<6 { try writer.append(run.token(k)) }
                let snapshot = directory + "/snapshot.h5"
                try FileManager.default.copyItem(atPath: path, toPath: snapshot)
                try TraceSurgery.edit(snapshot) { file in
                    let marsim = try file.openGroup("marsim")
                    try marsim.setAttribute("tokens_flushed", Int64(4))
                }
                let reader = try TraceReader(path: snapshot)
                #expect(reader.tokensWritten == 4)
                #expect(try reader.counts() == (0..<4).map { run.token($0).counts })
                let site = reader.populations[0]
                #expect(try reader.events(population: site).count == (0..<4).map { run.token($0).spikes[0].count }.reduce(0, +))
            }
        }
    }
}
