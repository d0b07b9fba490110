import Foundation
import MarsimCheckpoint
@testable import MarsimCLI
import MarsimCore
import MarsimEngine
import MarsimTrace
import Testing

/// `marsim simulate --trace` killed with SIGKILL mid-run leaves a readable, incomplete trace whose
/// every token is exactly what an uninterrupted run computes.
@Suite("SIGKILL during simulate --trace")
struct KillTests {
    /// The `marsim` executable SwiftPM built beside this test bundle.
    static var marsim: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("marsim")
    }

    @Test func killedRunKeepsFlushedTokens() throws {
        let binary = Self.marsim
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "swift test builds the marsim executable at \(binary.path)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let heldout = InspectCommandTests.tinyLlambaBytes.appendingPathComponent("heldout.txt")
        let text = String(repeating: try String(contentsOf: heldout, encoding: .utf8), count: 8)  // 16 k tokens: longer than the kill delay
        let input = dir.appendingPathComponent("input.txt")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let trace = dir.appendingPathComponent("killed.h5").path

        let process = Process()
        process.executableURL = binary
        process.arguments = ["simulate", "--checkpoint", InspectCommandTests.tinyLlambaBytes.path, "--text-file", input.path,
                             "--timesteps", "2", "--threshold", "0.2", "--trace", trace, "--json", "--chunk", "32", "--no-cache"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The writer flushes at least every second; wait for a few flushes, then kill without warning.
        Thread.sleep(forTimeInterval: 3.5)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let reader = try TraceReader(path: trace)
        #expect(!reader.isComplete)
        let k = reader.tokensWritten
        #expect(k > 0 && k < Array(text.utf8).count, "flushed \(k) tokens before the kill")

        // Recompute the first k tokens in-process: the trace must hold exactly those counts and spikes.
        let checkpoint = try Checkpoint.load(InspectCommandTests.tinyLlambaBytes)
        let placement = try Placement("all", shape: checkpoint.model.shape)
        let settings = SimulationSettings(mode: .spiking, parameters: ATMNParameters(timesteps: 2, tau: 1), placement: placement,
                                          thresholds: .fixed(0.2, sites: placement.sites, shape: checkpoint.model.shape))
        var expected: [[ActivityCounts]] = []
        var expectedEvents = [Int](repeating: 0, count: placement.sites.count)
        let tokens = Array(Array(text.utf8).map(Int.init).prefix(k))
        _ = try Simulator(model: checkpoint.model, settings: settings).run(tokens: tokens, bytesOfToken: nil) { activity, _ in
            expected.append(activity.counts)
            for s in activity.spikes { expectedEvents[s.site] += s.count }
        }
        #expect(try reader.counts() == expected)
        #expect(reader.eventTotals() == expectedEvents)
    }
}
