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
                let locked = #expect(throws: TraceError.self) { _ = try TraceReader(path: path) }
                #expect(locked?.description.contains("another process has it open for writing") == true)
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
                #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)

                let reader = try TraceReader(path: path)
                #expect(!reader.isComplete)
                #expect(reader.tokensWritten == Self.tokensBeforeKill)
                let run = SyntheticRun()
                #expect(try reader.counts() == (0..<Self.tokensBeforeKill).map { run.token($0).counts })
                for k in [0, Self.tokensBeforeKill - 1] {
                    #expect(sameActivity(try reader.activity(token: k), run.token(k)))
                }
            }
        }
    }
}
#endif
