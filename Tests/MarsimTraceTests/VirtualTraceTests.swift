import Foundation
import MarsimHDF5
@testable import MarsimTrace
import Testing

/// A merged study's trace is a virtual mirror of a shard's: `TraceReader` reads it like the
/// original, checks its sources, and refuses mappings it cannot bound.
@Suite("Traces through HDF5 virtual datasets")
struct VirtualTraceTests {
    func writeTrace(_ path: String, level: TraceLevel = .events) throws {
        let run = SyntheticRun(inputTokens: 40)
        let writer = try TraceWriter(path: path, metadata: run.metadata, level: level)
        for k in 0..<40 { try writer.append(run.token(k)) }
        try writer.finish(endTime: "2026-12-01T10:05:00Z")
    }

    @Test(arguments: [TraceLevel.events, .counts])
    func mirroredTraceReadsLikeTheShardsTrace(level: TraceLevel) throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/shard", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir + "/merged", withIntermediateDirectories: true)
            try writeTrace(dir + "/shard/t.h5", level: level)
            try H5VirtualMirror.create(at: dir + "/merged/t.h5", mirroring: dir + "/shard/t.h5", sourceName: "../shard/t.h5")
            let original = try TraceReader(path: dir + "/shard/t.h5")
            let merged = try TraceReader(path: dir + "/merged/t.h5")
            #expect(try H5File(opening: dir + "/merged/t.h5").openDataset("/marsim/counts/acs").storageLayout() == .virtual)
            #expect(merged.metadata == original.metadata)
            #expect(merged.isComplete && merged.tokensWritten == 40 && merged.level == level)
            #expect(try merged.counts() == original.counts())
            #expect(try merged.sharedWeightReads() == original.sharedWeightReads())
            #expect(try merged.chunkLengths() == original.chunkLengths())
            #expect(try merged.positions() == original.positions())
            #expect(merged.populations == original.populations)
            #expect(merged.eventTotals() == original.eventTotals())
            for population in original.populations {
                #expect(try merged.events(population: population) == original.events(population: population))
            }
            if level == .events { #expect(original.eventTotals().reduce(0, +) > 0) }
        }
    }

    @Test func aMissingShardFileIsNamedNotReadAsZeros() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/shard", withIntermediateDirectories: true)
            try writeTrace(dir + "/shard/t.h5")
            try H5VirtualMirror.create(at: dir + "/merged.h5", mirroring: dir + "/shard/t.h5", sourceName: "shard/t.h5")
            try FileManager.default.removeItem(atPath: dir + "/shard/t.h5")
            let error = #expect(throws: TraceError.self) { _ = try TraceReader(path: dir + "/merged.h5") }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("maps") && text.contains(dir + "/shard/t.h5") && text.contains("no such file"), "\(text)")
        }
    }

    /// A source replaced by a FIFO would block HDF5 forever: refused before HDF5 opens it.
    @Test func aSourceThatIsAFIFOIsRefused() throws {
        try withTemporaryDirectory { dir in
            try writeTrace(dir + "/t.h5")
            try H5VirtualMirror.create(at: dir + "/m.h5", mirroring: dir + "/t.h5", sourceName: "t.h5")
            try FileManager.default.removeItem(atPath: dir + "/t.h5")
            #expect(mkfifo(dir + "/t.h5", 0o600) == 0)
            let error = #expect(throws: TraceError.self) { _ = try TraceReader(path: dir + "/m.h5") }
            #expect(error.map { "\($0)".contains("it is a FIFO") } == true, "\(String(describing: error))")
        }
    }

    /// A mirror of a mirror maps datasets that are themselves virtual: refused (sources must store their data).
    @Test func aMirrorOfAMirrorIsRefused() throws {
        try withTemporaryDirectory { dir in
            try writeTrace(dir + "/t.h5")
            try H5VirtualMirror.create(at: dir + "/m1.h5", mirroring: dir + "/t.h5", sourceName: "t.h5")
            try H5VirtualMirror.create(at: dir + "/m2.h5", mirroring: dir + "/m1.h5", sourceName: "m1.h5")
            let error = #expect(throws: TraceError.self) { _ = try TraceReader(path: dir + "/m2.h5") }
            #expect(error.map { "\($0)".contains("keeps its own data outside its file") } == true)
        }
    }
}
