import Foundation
import MarsimCore
import MarsimTestSupport
@testable import MarsimTrace
import Testing

extension TraceTests {
    /// The journal's promise, checked byte by byte: whatever prefix of it a kill leaves (a kill can
    /// stop a `write` anywhere), and whatever garbage follows, readers see exactly the whole
    /// records before the cut; and a run never damages the file already at its trace path.
    @Suite("Crash safety") struct CrashSafety {
        /// A journal of `tokens` single-token records of the synthetic run, and each record's end offset.
        static func journal(tokens: Int, level: TraceLevel, in directory: String) throws -> (bytes: [UInt8], recordEnds: [Int]) {
            let path = directory + "/j.h5"
            let run = SyntheticRun()
            var ends: [Int] = []
            let writer = try TraceWriter(path: path, metadata: run.metadata, level: level, flushPolicy: .everyToken)
            ends.append(try Data(contentsOf: URL(fileURLWithPath: writer.journalPath)).count)  // header only
            for k in 0..<tokens {
                try writer.append(run.token(k))
                ends.append(try Data(contentsOf: URL(fileURLWithPath: writer.journalPath)).count)
            }
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: writer.journalPath)))
            #expect(writer.abandon() == writer.journalPath, "a journal with tokens is kept")
            return (bytes, ends)
        }

        /// Whole records in the first `length` bytes.
        static func wholeRecords(_ ends: [Int], within length: Int) -> Int { ends.dropFirst().filter { $0 <= length }.count }

        @Test(arguments: TraceLevel.allCases)
        func everyPrefixReadsExactlyItsWholeRecords(level: TraceLevel) throws {
            try withTemporaryDirectory { directory in
                let (bytes, ends) = try Self.journal(tokens: 5, level: level, in: directory)
                let cut = directory + "/cut.partial"
                let whole = directory + "/whole.partial"
                try Data(bytes).write(to: URL(fileURLWithPath: whole))
                let journal = try JournalReader(path: whole)
                var checked = 0
                for length in ends[0]...bytes.count {
                    let extent = try journal.scan(limit: length)
                    #expect(extent.tokens == Self.wholeRecords(ends, within: length), "cut at \(length)")
                    #expect(extent.validBytes + extent.trailingBytes == length)
                    checked += 1
                }
                // The same through a real file cut short, at a sample of points.
                for length in stride(from: ends[0], through: bytes.count, by: 97) {
                    try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: cut))
                    #expect(try JournalReader(path: cut).scan().tokens == Self.wholeRecords(ends, within: length), "file cut at \(length)")
                }
                // A cut inside the header leaves a journal that holds nothing and says so.
                for length in [0, 7, 8, 20, ends[0] - 1] {
                    try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: cut))
                    let error = #expect(throws: TraceError.self) { _ = try TraceReader(path: cut) }
                    #expect(error.map { !$0.description.contains("\n") && $0.description.contains(cut) } == true)
                }
                // Through the full reader (HDF5 rebuild), at every record boundary and one byte short of it.
                let run = SyntheticRun()
                for end in ends.dropFirst() {
                    for length in [end - 1, end] {
                        try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: cut))
                        let reader = try TraceReader(path: cut)
                        let whole = Self.wholeRecords(ends, within: length)
                        #expect(reader.tokensWritten == whole && !reader.isComplete)
                        #expect(try reader.counts() == (0..<whole).map { run.token($0).counts })
                        if level == .events {
                            #expect(reader.eventCounts() == (0..<whole).map { run.token($0).spikes.map(\.count) })
                        }
                    }
                }
                print("journal prefixes checked (\(level.rawValue)): \(checked)")
            }
        }

        /// Damage inside a record (a bit flip, garbage appended after a torn write) ends the journal
        /// there: the records before it are read, nothing after it.
        @Test func damagedRecordEndsTheJournal() throws {
            try withTemporaryDirectory { directory in
                let (bytes, ends) = try Self.journal(tokens: 6, level: .events, in: directory)
                let path = directory + "/damaged.partial"
                var random = SplitMix64(seed: 11)
                for trial in 0..<200 {
                    var damaged = bytes
                    let position = ends[0] + Int(random.next() % UInt64(bytes.count - ends[0]))
                    damaged[position] ^= UInt8(1 << (random.next() % 8))
                    try Data(damaged).write(to: URL(fileURLWithPath: path))
                    let record = ends.firstIndex { $0 > position }! - 1  // the record holding the flipped byte
                    #expect(try JournalReader(path: path).scan().tokens == record, "trial \(trial): flip at \(position)")
                }
                var garbage = Array(bytes.prefix(ends[3]))
                for _ in 0..<5_000 { garbage.append(UInt8(truncatingIfNeeded: random.next())) }
                try Data(garbage).write(to: URL(fileURLWithPath: path))
                let reader = try TraceReader(path: path)
                #expect(reader.tokensWritten == 3)
            }
        }

        /// A run that fails or is killed leaves the file at its path as it was; only a finished (or
        /// stopped) run replaces it, and then atomically.
        @Test func existingFileIsReplacedOnlyByAFinishedTrace() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/t.h5"
                let run = SyntheticRun()
                try "keep me".write(toFile: path, atomically: false, encoding: .utf8)
                let failing = try TraceWriter(path: path, metadata: run.metadata, level: .counts)
                #expect(failing.abandon() == nil, "a journal without tokens is removed")
                #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
                #expect(!FileManager.default.fileExists(atPath: path + ".partial"))

                let partial = try TraceWriter(path: path, metadata: run.metadata, level: .counts, flushPolicy: .everyToken)
                try partial.append(run.token(0))
                #expect(partial.abandon() == path + ".partial")
                #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
                try FileManager.default.removeItem(atPath: path + ".partial")

                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .counts)
                for k in 0..<3 { try writer.append(run.token(k)) }
                try writer.finish(endTime: "end")
                #expect(try TraceReader(path: path).tokensWritten == 3)
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory)
                #expect(leftovers == ["t.h5"], "no temporary or journal file is left: \(leftovers)")
            }
        }

        /// Format 1.1's per-token values (chunk length, shared weight reads) go through the journal
        /// too: a killed run's journal and the finished trace hold the same values.
        @Test func journalKeepsChunkLengthsAndSharedReads() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/chunks.h5"
                let run = SyntheticRun()
                let tokens = (0..<6).map { k -> TokenActivity in
                    var token = run.token(k)
                    token.chunkLength = k < 4 ? 4 : 1
                    token.weightsReadShared = k < 4 ? token.counts.map { $0.weightsRead / 4 + k } : nil
                    return token
                }
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: .everyToken)
                for token in tokens { try writer.append(token) }
                let journal = try TraceReader(path: writer.journalPath)
                let expectedShared = tokens.map { $0.sharedWeightReads }
                #expect(try journal.chunkLengths() == [4, 4, 4, 4, 1, 1])
                #expect(try journal.sharedWeightReads() == expectedShared)
                try writer.finish(endTime: "end")
                let finished = try TraceReader(path: path)
                #expect(try finished.chunkLengths() == [4, 4, 4, 4, 1, 1])
                #expect(try finished.sharedWeightReads() == expectedShared)
                var bad = run.token(6)
                bad.chunkLength = 0
                let other = try TraceWriter(path: directory + "/bad.h5", metadata: run.metadata, level: .counts)
                #expect(throws: TraceError.invalidInput(path: directory + "/bad.h5", reason: "token 6 ran in a chunk of 0 tokens")) {
                    try other.append(bad)
                }
            }
        }

        @Test func targetsThatAreNotRegularFilesAreRefused() throws {
            try withTemporaryDirectory { directory in
                let run = SyntheticRun()
                let real = directory + "/real.h5"
                try "data".write(toFile: real, atomically: false, encoding: .utf8)
                let link = directory + "/link.h5"
                try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
                let fifo = directory + "/fifo.h5"
                #expect(mkfifo(fifo, 0o644) == 0)
                for (path, phrase) in [(link, "is a symbolic link"), (fifo, "not a regular file"), (directory, "is a directory"),
                                       ("/dev/null", "not a regular file")] {
                    let error = #expect(throws: TraceError.self) {
                        _ = try TraceWriter(path: path, metadata: run.metadata, level: .counts)
                    }
                    #expect(error?.description.contains(phrase) == true, "\(path): \(String(describing: error))")
                }
                #expect(try String(contentsOfFile: real, encoding: .utf8) == "data")
                // Reading a FIFO would block forever: it is refused before it is opened.
                let error = #expect(throws: TraceError.self) { _ = try TraceReader(path: fifo) }
                #expect(error?.description == "cannot open trace \(fifo): it is a FIFO (named pipe), not a file")
            }
        }
    }
}
