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

    /// HDF5 keeps its automatic error printing setting per thread (thread-safe builds): failures on
    /// fresh threads must be thrown, and nothing printed to stderr.
    @Test func errorsOnNewThreadsAreThrownNotPrinted() throws {
        try withTemporaryDirectory { directory in
            let log = directory + "/stderr.txt"
            let descriptor = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            let savedStderr = dup(2)
            dup2(descriptor, 2)
            let done = DispatchSemaphore(value: 0)
            let failures = Counter()
            for index in 0..<4 {
                Thread {
                    do { _ = try H5File(opening: "/nonexistent-\(index).h5") } catch is HDF5Error { failures.increment() } catch {}
                    done.signal()
                }.start()
            }
            for _ in 0..<4 { done.wait() }
            dup2(savedStderr, 2)
            close(savedStderr)
            close(descriptor)
            #expect(failures.value == 4)
            let printed = try String(contentsOfFile: log, encoding: .utf8)
            #expect(!printed.contains("HDF5-DIAG"), "HDF5 printed: \(printed.prefix(200))")
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

/// A thread-safe counter for the threads test.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
