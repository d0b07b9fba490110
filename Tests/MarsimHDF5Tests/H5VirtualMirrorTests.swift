import Foundation
import MarsimHDF5
import Testing

/// A virtual mirror reads like its source — every value, attribute and string — without copying data.
@Suite("H5VirtualMirror: virtual datasets over another file")
struct H5VirtualMirrorTests {
    /// Writes a source with every kind of object a trace has: numeric (incl. NaN), string, empty
    /// extendable and 2-D datasets; numeric, string and enum attributes on the root, groups and datasets.
    func writeSource(_ path: String) throws {
        let file = try H5File(creating: path)
        try file.setAttribute("magic", UInt32(0x0A7A))
        try file.setAttribute("version", [UInt32(0), 1])
        let group = try file.createGroup("spikes")
        let population = try group.createGroup("pop")
        try population.setEnumAttribute("sorting", members: [("none", 0), ("by_id", 1), ("by_time", 2)], value: 2)
        let times = try population.createDataset("timestamps", values: [0.5, 1.5, .nan, 4.0])
        try times.setAttribute("units", "ms")
        try file.createDataset("counts", values: (0..<12).map { Int64($0 * $0 - 7) }, shape: [3, 4])
        try file.createDataset("names", strings: ["embedding", "layer00.mixer.in_proj", ""])
        _ = try file.createExtendableDataset("empty", of: UInt64.self, rowShape: [2], chunkRows: 8, compression: .scaleOffsetIntegers)
        let growing = try file.createExtendableDataset("growing", of: Int8.self, chunkRows: 4, compression: .scaleOffsetIntegers)
        try growing.append([1, -1, 1, 1, -1, 0, 1] as [Int8])
        try file.flush()
    }

    func expectSameContent(_ path: String) throws {
        let file = try H5File(opening: path)
        #expect(try file.readAttribute("magic", as: UInt32.self) == 0x0A7A)
        #expect(try file.readAttributeArray("version", as: UInt32.self) == [0, 1])
        let population = try file.openGroup("spikes/pop")
        #expect(try population.readEnumAttribute("sorting") == "by_time")
        let times = try file.openDataset("spikes/pop/timestamps")
        #expect(try times.storageLayout() == .virtual)
        #expect(try times.readStringAttribute("units") == "ms")
        let values = try times.read(as: Double.self)
        #expect(values[0] == 0.5 && values[1] == 1.5 && values[2].isNaN && values[3] == 4.0)
        let counts = try file.openDataset("counts")
        #expect(try counts.shape() == [3, 4])
        #expect(try counts.read(as: Int64.self) == (0..<12).map { Int64($0 * $0 - 7) })
        #expect(try file.openDataset("names").readStrings() == ["embedding", "layer00.mixer.in_proj", ""])
        let empty = try file.openDataset("empty")
        #expect(try empty.shape() == [0, 2])
        #expect(try empty.storageLayout() != .virtual)
        #expect(try file.openDataset("growing").read(as: Int8.self) == [1, -1, 1, 1, -1, 0, 1])
    }

    @Test func mirrorReadsLikeItsSourceAndNamesIt() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/shard/traces", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir + "/merged/traces", withIntermediateDirectories: true)
            try writeSource(dir + "/shard/traces/t.h5")
            try H5VirtualMirror.create(at: dir + "/merged/traces/t.h5", mirroring: dir + "/shard/traces/t.h5",
                                       sourceName: "../../shard/traces/t.h5")
            try expectSameContent(dir + "/merged/traces/t.h5")
            let mirror = try H5File(opening: dir + "/merged/traces/t.h5")
            #expect(try mirror.openDataset("counts").virtualSources() == [H5VirtualSource(file: "../../shard/traces/t.h5", dataset: "/counts")])
            #expect(try mirror.openDataset("empty").virtualSources().isEmpty)
            // The source itself stores its data (nothing virtual there).
            let source = try H5File(opening: dir + "/shard/traces/t.h5")
            #expect(try source.openDataset("counts").virtualSources().isEmpty)
        }
    }

    /// Relative source names resolve against the mirror's folder, so the two can move together,
    /// and are read from any working directory.
    @Test func mirrorAndSourcesMoveTogether() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/a/shard", withIntermediateDirectories: true)
            try writeSource(dir + "/a/shard/t.h5")
            try H5VirtualMirror.create(at: dir + "/a/mirror.h5", mirroring: dir + "/a/shard/t.h5", sourceName: "shard/t.h5")
            try FileManager.default.moveItem(atPath: dir + "/a", toPath: dir + "/b")
            try expectSameContent(dir + "/b/mirror.h5")
        }
    }
}
