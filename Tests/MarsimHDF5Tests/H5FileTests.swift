import Foundation
import MarsimHDF5
import Testing

@Suite("H5File and groups")
struct H5FileTests {
    @Test func createReopenAndListMembers() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/a.h5"
            do {
                let file = try H5File(creating: path)
                _ = try file.createGroup("b")
                _ = try file.createGroup("a")
                _ = try file.createGroup("a/inner")
                try file.createDataset("a/values", values: [1, 2, 3] as [Int32])
                try file.flush()
            }
            #expect(H5File.isHDF5(path))
            let file = try H5File(opening: path)
            #expect(try file.memberNames() == ["a", "b"])
            #expect(try file.openGroup("a").memberNames() == ["inner", "values"])
            #expect(try file.contains("a/inner"))
            #expect(try !file.contains("a/missing"))
            #expect(try !file.contains("missing/deeper"))
            #expect(try file.kind(of: "a") == .group)
            #expect(try file.kind(of: "a/values") == .dataset)
            #expect(try file.kind(of: "nothing") == nil)
            try file.close()
        }
    }

    @Test func failuresCarryTheFunctionPathAndStackMessage() throws {
        let missing = "/nonexistent-dir-\(UUID().uuidString)/x.h5"
        let error = #expect(throws: HDF5Error.self) { _ = try H5File(creating: missing) }
        #expect(error?.function == "H5Fcreate")
        #expect(error?.path == missing)
        #expect(error?.message.contains("unable to") == true)
        #expect(error.map { !$0.description.contains("\n") } == true)
        #expect(!H5File.isHDF5(missing))
    }

    @Test func errorsOnOtherThreadsAreNotPrintedButThrown() async throws {
        // Each task may run on a different thread: every one must get a thrown error, not a crash.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    #expect(throws: HDF5Error.self) { _ = try H5File(opening: "/nonexistent-\(index).h5") }
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func createExclusiveFailsWhenTheFileExists() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/x.h5"
            _ = try H5File(creating: path)
            #expect(throws: HDF5Error.self) { _ = try H5File(creating: path, mode: .failIfExists) }
        }
    }

    @Test func removeMemberUnlinks() throws {
        try withTemporaryDirectory { directory in
            let file = try H5File(creating: directory + "/x.h5")
            _ = try file.createGroup("g")
            try file.removeMember("g")
            #expect(try file.memberNames().isEmpty)
        }
    }
}
