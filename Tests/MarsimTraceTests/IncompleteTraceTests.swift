import Foundation
import MarsimCore
import MarsimTrace
import Testing

extension TraceTests {
    /// Traces whose run did not finish: every flushed token must stay readable.
    @Suite("Incomplete traces") struct IncompleteTraces {
        /// While a run goes on, its tokens are in the journal `<trace>.partial`; a copy of it taken
        /// between flushes holds exactly what a kill at that moment would leave.
        @Test func journalCopyTakenBetweenFlushesHoldsEveryFlushedToken() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/live.h5"
                let run = SyntheticRun()
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: .everyToken)
                for k in 0..<10 { try writer.append(run.token(k)) }
                #expect(writer.tokensFlushed == 10)
                #expect(writer.journalPath == path + ".partial")
                #expect(!FileManager.default.fileExists(atPath: path), "the trace appears only when the run ends")
                let snapshot = directory + "/snapshot.partial"
                try FileManager.default.copyItem(atPath: writer.journalPath, toPath: snapshot)

                let reader = try TraceReader(path: snapshot)
                #expect(reader.recoveredFromJournal && !reader.isComplete)
                #expect(reader.tokensWritten == 10)
                #expect(reader.metadata.endTime == nil)
                #expect(reader.metadata == run.metadata)
                #expect(try reader.counts() == (0..<10).map { run.token($0).counts })
                for k in [0, 9] { #expect(sameActivity(try reader.activity(token: k), run.token(k))) }

                // The live writer carries on unaffected and finishes normally; the journal goes.
                for k in 10..<12 { try writer.append(run.token(k)) }
                try writer.finish(endTime: "end")
                let finished = try TraceReader(path: path)
                #expect(finished.isComplete && finished.tokensWritten == 12 && !finished.recoveredFromJournal)
                #expect(!FileManager.default.fileExists(atPath: writer.journalPath))
            }
        }

        @Test func batchedTokensAreInTheJournalOnlyOnceFlushed() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/batched.h5"
                let run = SyntheticRun()
                let policy = TraceFlushPolicy(interval: .seconds(3600), maxTokens: 4, maxEvents: .max)
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: policy)
                for k in 0..<10 { try writer.append(run.token(k)) }
                #expect(writer.tokensAppended == 10 && writer.tokensFlushed == 8)
                let reader = try TraceReader(path: writer.journalPath)
                #expect(reader.tokensWritten == 8 && !reader.isComplete)
                #expect(reader.eventCounts() == (0..<8).map { run.token($0).spikes.map(\.count) })

                try writer.flush()
                #expect(writer.tokensFlushed == 10)
                #expect(try TraceReader(path: writer.journalPath).tokensWritten == 10)
            }
        }

        /// A writer released without finishing behaves like a killed run: its buffered tokens are
        /// flushed to the journal, which stays; no trace appears at the path.
        @Test func droppedWriterLeavesItsJournal() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/dropped.h5"
                let run = SyntheticRun()
                do {
                    let policy = TraceFlushPolicy(interval: .seconds(3600), maxTokens: 100, maxEvents: .max)
                    let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: policy)
                    for k in 0..<7 { try writer.append(run.token(k)) }
                    #expect(writer.tokensFlushed == 0)
                }
                let missing = #expect(throws: TraceError.self) { _ = try TraceReader(path: path) }
                #expect(missing?.description == "cannot open trace \(path): no such file; a run that did not finish left \(path).partial: read that")
                let reader = try TraceReader(path: path + ".partial")
                #expect(!reader.isComplete)
                #expect(reader.tokensWritten == 7)
                #expect(try reader.tokenIDs() == (0..<7).map { run.token($0).tokenID })
            }
        }

        /// A run stopped early (SIGINT) publishes an ordinary, incomplete trace and removes its journal.
        @Test func publishIncompleteWritesTheTokensSoFar() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/stopped.h5"
                let run = SyntheticRun()
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .counts)
                for k in 0..<5 { try writer.append(run.token(k)) }
                try writer.publishIncomplete()
                #expect(writer.isFinished && writer.tokensFlushed == 5)
                #expect(!FileManager.default.fileExists(atPath: writer.journalPath))
                let reader = try TraceReader(path: path)
                #expect(!reader.isComplete && !reader.recoveredFromJournal && reader.tokensWritten == 5)
                #expect(try reader.counts() == (0..<5).map { run.token($0).counts })
            }
        }

        /// A trace whose rows run past `tokens_flushed` (written by an older marsim killed while
        /// flushing) reads the flushed tokens and ignores the rest.
        @Test func rowsPastTokensFlushedAreIgnored() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/partial.h5"
                let run = SyntheticRun()
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: .everyToken)
                for k in 0..<6 { try writer.append(run.token(k)) }
                try writer.publishIncomplete()
                try TraceSurgery.edit(path) { file in
                    let marsim = try file.openGroup("marsim")
                    try marsim.setAttribute("tokens_flushed", Int64(4))
                }
                let reader = try TraceReader(path: path)
                #expect(reader.tokensWritten == 4)
                #expect(try reader.counts() == (0..<4).map { run.token($0).counts })
                let site = reader.populations[0]
                #expect(try reader.events(population: site).count == (0..<4).map { run.token($0).spikes[0].count }.reduce(0, +))
            }
        }
    }
}
