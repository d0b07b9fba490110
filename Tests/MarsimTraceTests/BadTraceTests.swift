import Foundation
import MarsimCore
import MarsimHDF5
import MarsimTrace
import Testing

extension TraceTests {
    /// Bad files must give one clear line naming the file and the problem, never a crash.
    @Suite("Bad traces") struct BadTraces {
        /// Writes a finished 20-token events trace at `path`.
        static func writeTrace(_ path: String) throws {
            let run = SyntheticRun()
            let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events)
            for k in 0..<20 { try writer.append(run.token(k)) }
            try writer.finish(endTime: "end")
        }

        /// Opens `path`, expecting a `TraceError` whose one-line message names the file and contains `fragment`.
        static func expectOpenFails(_ path: String, mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let error = #expect(throws: TraceError.self, sourceLocation: sourceLocation) { _ = try TraceReader(path: path) }
            guard let error else { return }
            let message = error.description
            #expect(message.contains(path), "\(message)", sourceLocation: sourceLocation)
            #expect(message.contains(fragment), "\(message)", sourceLocation: sourceLocation)
            #expect(!message.contains("\n"), "\(message)", sourceLocation: sourceLocation)
        }

        @Test func missingFile() throws {
            try withTemporaryDirectory { directory in
                Self.expectOpenFails(directory + "/absent.h5", mentioning: "no such file")
            }
        }

        @Test func directoryInsteadOfFile() throws {
            try withTemporaryDirectory { directory in
                Self.expectOpenFails(directory, mentioning: "directory")
            }
        }

        @Test func notHDF5() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/notes.h5"
                try "these are not spikes\n".write(toFile: path, atomically: true, encoding: .utf8)
                Self.expectOpenFails(path, mentioning: "not an HDF5 file")
                let empty = directory + "/empty.h5"
                _ = FileManager.default.createFile(atPath: empty, contents: Data())
                Self.expectOpenFails(empty, mentioning: "not an HDF5 file")
            }
        }

        @Test func truncatedAtManyPoints() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/whole.h5"
                try Self.writeTrace(path)
                let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                for cut in [4, 8, 100, 1000, bytes.count / 3, bytes.count / 2, bytes.count - 100, bytes.count - 1] {
                    let cutPath = directory + "/cut-\(cut).h5"
                    try bytes.prefix(cut).write(to: URL(fileURLWithPath: cutPath))
                    let error = #expect(throws: TraceError.self, "cut at \(cut) of \(bytes.count)") {
                        _ = try TraceReader(path: cutPath)
                    }
                    #expect(error?.description.contains(cutPath) == true)
                }
                try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: directory + "/half.h5"))
                Self.expectOpenFails(directory + "/half.h5", mentioning: "truncated")
            }
        }

        @Test func missingGroup() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/t.h5"
                try Self.writeTrace(path)
                try TraceSurgery.edit(path) { try $0.removeMember("/marsim/counts") }
                Self.expectOpenFails(path, mentioning: "/marsim/counts is missing")
            }
        }

        @Test func missingPopulation() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/t.h5"
                try Self.writeTrace(path)
                try TraceSurgery.edit(path) { try $0.removeMember("/spikes/layer01.mlp.down_proj") }
                Self.expectOpenFails(path, mentioning: "/spikes/layer01.mlp.down_proj is missing")
            }
        }

        @Test func wrongDatasetType() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/t.h5"
                try Self.writeTrace(path)
                let site = "/spikes/layer00.mixer.out_proj"
                try TraceSurgery.edit(path) { file in
                    let count = try file.openDataset(site + "/node_ids").shape()[0]
                    try file.removeMember(site + "/node_ids")
                    try file.createDataset(site + "/node_ids", values: [Float](repeating: 1, count: count))
                }
                Self.expectOpenFails(path, mentioning: "\(site)/node_ids is float32, expected uint64")
            }
        }

        @Test func wrongCounterShape() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/t.h5"
                try Self.writeTrace(path)
                try TraceSurgery.edit(path) { file in
                    try file.removeMember("/marsim/counts/macs")
                    try file.createDataset("/marsim/counts/macs", values: [Int64](repeating: 0, count: 20 * 3), shape: [20, 3])
                }
                Self.expectOpenFails(path, mentioning: "/marsim/counts/macs has shape [20, 3]")
            }
        }

        @Test func wrongMagic() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/t.h5"
                try Self.writeTrace(path)
                try TraceSurgery.edit(path) { try $0.setAttribute("magic", UInt32(0x1234)) }
                Self.expectOpenFails(path, mentioning: "magic is 0x1234, expected 0x0A7A")
            }
        }

        @Test func plainHDF5WithoutMarsim() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/other.h5"
                do {
                    let file = try H5File(creating: path)
                    try file.createDataset("x", values: [1.0, 2.0])
                }
                Self.expectOpenFails(path, mentioning: "no root attribute magic")
                try TraceSurgery.edit(path) { file in
                    try file.setAttribute("magic", TraceFormat.magic)
                    try file.setAttribute("version", TraceFormat.sonataVersion)
                }
                Self.expectOpenFails(path, mentioning: "without marsim's /marsim group")
            }
        }

        @Test func fewerEventsThanCounted() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/t.h5"
                try Self.writeTrace(path)
                let site = "/spikes/layer01.mixer.in_proj"
                try TraceSurgery.edit(path) { file in
                    try file.removeMember(site + "/polarity")
                    try file.createDataset(site + "/polarity", values: [Int8(1), -1])
                }
                Self.expectOpenFails(path, mentioning: "\(site)/polarity has 2 events but tokens/event_counts accounts for")
            }
        }

        @Test func unknownFormatVersion() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/t.h5"
                try Self.writeTrace(path)
                try TraceSurgery.edit(path) { try $0.openGroup("marsim").setAttribute("format_version", [UInt32(2), 0]) }
                Self.expectOpenFails(path, mentioning: "format version [2, 0]")
            }
        }
    }
}
