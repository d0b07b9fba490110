#if os(Linux)
import Foundation
import MarsimCore
import MarsimTrace
import Testing

extension TraceTests {
    /// A real SIGKILL of a process that is writing a trace. The child is this test binary
    /// itself, re-run with a filter that selects only `childWritesUntilKilled` and an
    /// environment variable that enables it; no helper executable is needed.
    @Suite("SIGKILL") struct Kill {
        static let childTrace = ProcessInfo.processInfo.environment["MARSIM_KILL_CHILD_TRACE"]
        static let tokensBeforeKill = 30

        /// The child: flushes `tokensBeforeKill` tokens, reports progress, then waits to be killed.
        @Test(.enabled(if: childTrace != nil)) func childWritesUntilKilled() throws {
            let path = Self.childTrace!
            let run = SyntheticRun()
            let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events, flushPolicy: .everyToken)
            for k in 0..<Self.tokensBeforeKill {
                try writer.append(run.token(k))
                try String(writer.tokensFlushed).write(toFile: path + ".progress", atomically: true, encoding: .utf8)
            }
            Thread.sleep(forTimeInterval: 120)
        }

        @Test(.enabled(if: childTrace == nil)) func killedWriterLeavesEveryFlushedToken() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/killed.h5"
                let journal = path + ".partial"
                try "an older trace".write(toFile: path, atomically: false, encoding: .utf8)
                let child = Process()
                child.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                child.arguments = ["--testing-library", "swift-testing", "--filter", "childWritesUntilKilled"]
                child.environment = ProcessInfo.processInfo.environment.merging(["MARSIM_KILL_CHILD_TRACE": path]) { $1 }
                child.standardOutput = FileHandle.nullDevice
                child.standardError = FileHandle.nullDevice
                try child.run()
                let deadline = Date().addingTimeInterval(60)
                while (try? String(contentsOfFile: path + ".progress", encoding: .utf8)) != String(Self.tokensBeforeKill),
                      Date() < deadline, child.isRunning {
                    Thread.sleep(forTimeInterval: 0.02)
                }
                #expect(child.isRunning, "the child exited before it was killed")
                // A live run's journal is readable, and a second writer is refused.
                #expect(try TraceReader(path: journal).tokensWritten == Self.tokensBeforeKill)
                let second = #expect(throws: TraceError.self) {
                    _ = try TraceWriter(path: path, metadata: SyntheticRun().metadata, level: .counts)
                }
                #expect(second?.description.contains("another marsim run is writing it") == true, "\(String(describing: second))")
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
                #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)

                #expect(try String(contentsOfFile: path, encoding: .utf8) == "an older trace", "the existing file is untouched")
                let reader = try TraceReader(path: journal)
                #expect(!reader.isComplete)
                #expect(reader.tokensWritten == Self.tokensBeforeKill)
                let run = SyntheticRun()
                #expect(try reader.counts() == (0..<Self.tokensBeforeKill).map { run.token($0).counts })
                for k in [0, Self.tokensBeforeKill - 1] {
                    #expect(sameActivity(try reader.activity(token: k), run.token(k)))
                }
                // The killed run's journal is never overwritten by a new run.
                let leftover = #expect(throws: TraceError.self) {
                    _ = try TraceWriter(path: path, metadata: SyntheticRun().metadata, level: .counts)
                }
                #expect(leftover?.description.contains("left from a run that did not finish (30 tokens)") == true,
                        "\(String(describing: leftover))")
            }
        }
    }
}
#endif
