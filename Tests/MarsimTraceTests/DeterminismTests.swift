import Foundation
import MarsimTrace
import Testing

extension TraceTests {
    @Suite("Determinism") struct Determinism {
        static func write(_ path: String, policy: TraceFlushPolicy) throws {
            let run = SyntheticRun()
            let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: policy)
            for k in 0..<50 { try writer.append(run.token(k)) }
            try writer.finish(endTime: "2026-12-01T10:05:00Z")
        }

        @Test func identicalInputsGiveIdenticalDatasets() throws {
            try withTemporaryDirectory { directory in
                let first = directory + "/a.h5", second = directory + "/b.h5", batched = directory + "/c.h5"
                try Self.write(first, policy: .everyToken)
                try Self.write(second, policy: .everyToken)
                try Self.write(batched, policy: TraceFlushPolicy(interval: .seconds(3600), maxTokens: 7, maxEvents: 100))
                let dump = try DatasetDump.of(first)
                #expect(dump.count > 40)
                #expect(dump == (try DatasetDump.of(second)))
                #expect(dump == (try DatasetDump.of(batched)), "flush points must not change the data")
            }
        }

        /// No object times are recorded, so the same writes at the same flush points give the same bytes.
        @Test func sameFlushPointsGiveIdenticalBytes() throws {
            try withTemporaryDirectory { directory in
                try Self.write(directory + "/a.h5", policy: .everyToken)
                Thread.sleep(forTimeInterval: 1.1)  // a recorded modification time would now differ
                try Self.write(directory + "/b.h5", policy: .everyToken)
                let a = try Data(contentsOf: URL(fileURLWithPath: directory + "/a.h5"))
                let b = try Data(contentsOf: URL(fileURLWithPath: directory + "/b.h5"))
                #expect(a == b)
            }
        }
    }
}
