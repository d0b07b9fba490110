import Foundation
import MarsimCore
import Testing
@testable import MarsimEnergy

/// Issue 11 in the energy model and the profile loader: sums that overflow, negative counts and
/// non-finite energies are errors (they trapped, or printed "0 J" and "-nan×"); deeply nested or
/// malformed TOML is refused quickly (1,000 nested tables took 20 s; `[# …]` aborted the process).
@Suite("Energy reliability")
struct EnergyReliabilityTests {
    static func report(counts: [[ActivityCounts]] = TinyRun.counts, baseline: [ActivityCounts] = TinyRun.denseBaseline,
                       profile: String = "horowitz-45nm-memory") throws -> EnergyReport {
        try EnergyModel.report(profile: try shippedProfile(profile), counts: counts, units: TinyRun.units,
                               denseBaseline: baseline, schedule: TinyRun.schedule)
    }

    @Test func countSumsThatOverflowAreErrors() throws {
        var huge = TinyRun.counts
        huge[0][1].denseMACs = .max - 10
        #expect(throws: EnergyError.countOverflow(what: "macs (run)")) { _ = try Self.report(counts: huge) }
        var spikes = TinyRun.counts
        spikes[0][0].spikesPositive = .max / 2 + 1
        spikes[0][0].spikesNegative = .max / 2 + 1
        #expect(throws: EnergyError.countOverflow(what: "spikes of both polarities (run)")) { _ = try Self.report(counts: spikes) }
        var baseline = TinyRun.denseBaseline
        baseline[0].weightsRead = .max
        #expect(throws: EnergyError.countOverflow(what: "weights_read (dense baseline)")) { _ = try Self.report(baseline: baseline) }
    }

    @Test func negativeCountsAreErrors() throws {
        var negative = TinyRun.counts
        negative[1][2].weightsRead = -5
        #expect(throws: EnergyError.negativeCount(what: "run token 1, lm_head, weights_read", value: -5)) {
            _ = try Self.report(counts: negative)
        }
    }

    /// Counts just below Int.max are fine for the integers but overflow double precision once priced.
    @Test func nonFiniteEnergyIsAnError() throws {
        var text = try String(contentsOfFile: hardwareProfilesDirectory + "/horowitz-45nm-compute.toml", encoding: .utf8)
        text = text.replacingOccurrences(of: #"mac( *)= \{ value = "4.6 pJ""#, with: #"mac = { value = "1e300 J""#, options: .regularExpression)
        let profile = try HardwareProfile.parse(toml: text, file: "huge.toml")
        var counts = TinyRun.counts
        counts[0][1].denseMACs = 1 << 40
        let error = #expect(throws: EnergyError.self) {
            _ = try EnergyModel.report(profile: profile, counts: counts, units: TinyRun.units, denseBaseline: TinyRun.denseBaseline,
                                       schedule: TinyRun.schedule)
        }
        #expect(error?.description == "energy: a token's energy under profile horowitz-45nm-compute is not a finite number (the profile's prices times the counts overflow)"
                || error?.description.contains("is not a finite number") == true, "\(String(describing: error))")
        #expect(try Self.report().joulesPerToken.isFinite)
    }

    @Test(arguments: [1_000, 100_000])
    func deepNestingIsRefusedQuickly(depth: Int) throws {
        let base = try String(contentsOfFile: hardwareProfilesDirectory + "/horowitz-45nm-compute.toml", encoding: .utf8)
        for (open, close) in [("{ a = ", " }"), ("[", "]")] {
            let text = base + "\nx = " + String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth) + "\n"
            let start = ContinuousClock.now
            let error = #expect(throws: ProfileError.self) { _ = try HardwareProfile.parse(toml: text, file: "deep.toml") }
            #expect(ContinuousClock.now - start < .seconds(1))
            let line = base.split(separator: "\n", omittingEmptySubsequences: false).count + 1
            #expect(error?.description == "deep.toml:\(line): (document): tables or arrays nested more than 32 levels deep")
        }
    }

    @Test(arguments: ["[# comment]", "[[ # x]]", "[ =]", "[.a]"])
    func tableHeadersMustStartWithAKey(header: String) throws {
        let error = #expect(throws: ProfileError.self) { _ = try HardwareProfile.parse(toml: "name = \"x\"\n\(header)\n", file: "h.toml") }
        #expect(error?.description == "h.toml:2: (document): a table header must start with a key, e.g. [compute]")
    }

    @Test func longDottedKeysAndHugeFilesAreRefused() throws {
        let dotted = (0..<70).map { "k\($0)" }.joined(separator: ".") + " = 1\n"
        #expect(throws: ProfileError.self) { _ = try HardwareProfile.parse(toml: dotted, file: "k.toml") }
        let big = String(repeating: "# padding\n", count: 120_000)
        let error = #expect(throws: ProfileError.self) { _ = try HardwareProfile.parse(toml: big, file: "big.toml") }
        #expect(error?.description.contains("profiles are at most 1024 KiB") == true)
    }
}
