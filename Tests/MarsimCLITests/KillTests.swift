#if os(Linux)
import Foundation
import MarsimCheckpoint
@testable import MarsimCLI
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimTestSupport
import MarsimTrace
import Testing

/// `marsim simulate --trace` killed with SIGKILL at many seeded random moments — during loading,
/// while creating the journal, between and during journal appends — at both trace levels. Every
/// file left must be readable the way `marsim trace` and `marsim energy` read it, and hold exactly
/// the tokens an uninterrupted run computes; an existing file at the trace path must be untouched.
@Suite("SIGKILL during simulate --trace", .serialized)
struct KillTests {
    /// The `marsim` executable SwiftPM built beside this test bundle.
    static var marsim: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("marsim")
    }

    static let seed: UInt64 = 0x6B69_6C6C  // "kill"
    static let killsPerLevel = 6

    /// Per token of the uninterrupted run: counts per unit and events per site.
    struct Reference {
        var counts: [[ActivityCounts]] = []
        var events: [[Int]] = []
        var metadataUnits: [AccountingUnit] = []
    }

    static func reference(tokens: [Int]) throws -> Reference {
        let checkpoint = try Checkpoint.load(InspectCommandTests.tinyLlambaBytes)
        let placement = try Placement("all", shape: checkpoint.model.shape)
        let settings = SimulationSettings(mode: .spiking, parameters: ATMNParameters(timesteps: 2, tau: 1), placement: placement,
                                          thresholds: .fixed(0.2, sites: placement.sites, shape: checkpoint.model.shape))
        var reference = Reference()
        _ = try Simulator(model: checkpoint.model, settings: settings).run(tokens: tokens, bytesOfToken: nil) { activity, _ in
            reference.counts.append(activity.counts)
            var perSite = [Int](repeating: 0, count: placement.sites.count)
            for s in activity.spikes { perSite[s.site] = s.count }
            reference.events.append(perSite)
        }
        return reference
    }

    /// Runs the real `marsim` binary and returns its exit status and standard output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = marsim
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func killedRunsAtRandomMomentsLeaveReadableTraces() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.marsim.path), "swift test builds the marsim executable at \(Self.marsim.path)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let heldout = InspectCommandTests.tinyLlambaBytes.appendingPathComponent("heldout.txt")
        let text = String(repeating: try String(contentsOf: heldout, encoding: .utf8), count: 8)  // 16 k tokens: longer than any kill delay
        let input = dir.appendingPathComponent("input.txt")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let tokens = Array(text.utf8).map(Int.init)
        let profile = try HardwareProfile.load(path: InspectCommandTests.repoRoot.appendingPathComponent("hardware-profiles/loihi-like.toml").path)

        var random = SplitMix64(seed: Self.seed)
        var reference = Reference()
        var outcomes: [String] = []
        for trial in 0..<(2 * Self.killsPerLevel) {
            let level: TraceLevel = trial % 2 == 0 ? .events : .counts
            let trace = dir.appendingPathComponent("trial-\(trial).h5").path
            let journal = trace + ".partial"
            // Every third trial replaces an existing file, which must survive the kill untouched.
            let existing = trial % 3 == 0 ? "an older file \(trial)" : nil
            if let existing { try existing.write(toFile: trace, atomically: false, encoding: .utf8) }
            let delay = 0.05 + 3.0 * random.unit()  // loading takes 0.3–2 s in a debug build, depending on load
            let process = Process()
            process.executableURL = Self.marsim
            process.arguments = ["simulate", "--checkpoint", InspectCommandTests.tinyLlambaBytes.path, "--text-file", input.path,
                                 "--timesteps", "2", "--threshold", "0.2", "--trace", trace, "--trace-level", level.rawValue,
                                 "--trace-flush-tokens", "\(1 + random.below(3))", "--json", "--chunk", "32", "--no-cache"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "trial \(trial) ended before the kill")

            if let existing {
                #expect(try String(contentsOfFile: trace, encoding: .utf8) == existing, "trial \(trial): the existing file changed")
            } else {
                #expect(!FileManager.default.fileExists(atPath: trace), "trial \(trial): a trace appeared without the run finishing")
            }
            guard FileManager.default.fileExists(atPath: journal) else {
                outcomes.append(String(format: "%.2fs: killed before the journal existed", delay))
                continue
            }
            // What `marsim trace` does: open, check, summarize. (On a heavily loaded machine the
            // kernel can take a moment to drop a killed process's lock: retry briefly.)
            var opened: TraceReader? = nil
            for attempt in 0..<20 {
                do {
                    opened = try TraceReader(path: journal)
                    break
                } catch let error as TraceError where "\(error)".contains("another process has it open") && attempt < 19 {
                    Thread.sleep(forTimeInterval: 0.25)
                }
            }
            let reader = try #require(opened)
            let summary = try TraceSummary(reader: reader)
            let k = reader.tokensWritten
            #expect(!reader.isComplete && reader.recoveredFromJournal && summary.tokens == k && reader.level == level)
            if reference.counts.count < k {
                reference = try Self.reference(tokens: Array(tokens.prefix(max(k, 2 * reference.counts.count, 64))))
            }
            #expect(try reader.counts() == Array(reference.counts.prefix(k)), "trial \(trial): counts of \(k) tokens")
            if level == .events {
                #expect(reader.eventCounts() == Array(reference.events.prefix(k)), "trial \(trial): events of \(k) tokens")
                if k > 0 {
                    let site = reader.populations[3]
                    let events = try reader.events(population: site, tokens: (k - 1) ..< k)
                    #expect(events.count == reference.events[k - 1][3])
                }
            }
            // What `marsim energy` does: cost the counts.
            if k > 0 {
                let fromTrace = try EnergyModel.report(profile: profile, inputs: EnergyInputs(metadata: reader.metadata, counts: try reader.counts()))
                let expected = try EnergyModel.report(profile: profile, counts: Array(reference.counts.prefix(k)), units: reader.metadata.units,
                                                      denseBaseline: reader.metadata.denseBaseline, schedule: reader.metadata.schedule)
                #expect(fromTrace.joulesPerToken == expected.joulesPerToken)
            }
            outcomes.append(String(format: "%.2fs: %@ journal with %d tokens", delay, level.rawValue, k))
        }
        print("kills: " + outcomes.joined(separator: "; "))
        #expect(outcomes.filter { $0.contains("journal with") && !$0.contains("with 0 tokens") }.count >= 2 * Self.killsPerLevel / 3,
                "at least a third of the kills should land after some tokens were flushed: \(outcomes)")

        // The real commands on a killed run's journal.
        let journals = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".partial") }.sorted()
            .filter { ((try? TraceReader(path: dir.appendingPathComponent($0).path))?.tokensWritten ?? 0) > 0 }
        #expect(!journals.isEmpty)
        for name in journals.prefix(2) {
            let path = dir.appendingPathComponent(name).path
            let trace = try Self.run(["trace", path, "--json"])
            #expect(trace.status == 0 && trace.output.contains("\"complete\":false"), "marsim trace \(name): \(trace.output.prefix(200))")
            let energy = try Self.run(["energy", path, "--profile", "horowitz-45nm-compute", "--json"])
            #expect(energy.status == 0 && energy.output.contains("joules_per_token"), "marsim energy \(name)")
        }
    }
}
#endif
