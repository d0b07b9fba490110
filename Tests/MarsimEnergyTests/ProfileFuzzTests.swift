import Foundation
import MarsimCore
@testable import MarsimEnergy
import Testing

/// 1,200 seeded random mutations of the shipped profiles' TOML. Each must either load or fail with
/// a one-line `ProfileError` naming the file — never trap, hang (each parse is timed; deep nesting
/// used to take 20 s at 1,000 levels) or crash the TOML parser's stack. A profile that loads is
/// then used to cost a small run: the result is finite, or an `EnergyError` says why not (prices
/// like "1e300 J" overflow), never an "inf J". Replayable: a failure names the seed, the index
/// and the edit.
@Suite("Profile fuzz")
struct ProfileFuzzTests {
    static let seed: UInt64 = 0x746F_6D6C  // "toml"
    static let mutations = 1_200

    /// A deterministic generator: MarsimEnergy's SplitMix64 (the Monte Carlo interval's).
    struct Random {
        var generator: SplitMix64Generator
        init(state: UInt64) { generator = SplitMix64Generator(seed: state) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
        mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
    }

    static let values = ["\"1e308 J\"", "\"1e300 J\"", "\"-1 pJ\"", "\"nan pJ\"", "\"inf J\"", "\"0 pJ\"", "\"4.6\"", "\"4.6 pW\"",
                         "\"1e-320 pJ\"", "\"99999999999999999999999 pJ\"", "\"0x10 pJ\"", "\"1 bit\"", "\"0 bit\"", "\"\"", "4.6",
                         "true", "[1, 2]", "{ }", "\"1 ns\"", "\"1e308 W\"", "\"1e308 s\"", "\"1e-308 bit\""]
    static let fragments = ["[", "]", "{", "}", "=", "\"", "'", "\"\"\"", "#", ".", ",", "\n", "\\", "\u{0}", "é", "[[x]]", "a.b.c = 1"]

    /// A mutated copy of `text` and what was done.
    static func mutate(_ text: String, _ random: inout Random) -> (String, String) {
        var lines = text.components(separatedBy: "\n")
        let line = random.below(lines.count)
        switch random.below(9) {
        case 0:
            lines.remove(at: line)
            return (lines.joined(separator: "\n"), "delete line \(line + 1)")
        case 1:
            lines.insert(lines[line], at: line)
            return (lines.joined(separator: "\n"), "duplicate line \(line + 1)")
        case 2, 3:
            guard let range = lines[line].range(of: #"value = "[^"]*""#, options: .regularExpression) else {
                return (text, "no value on line \(line + 1)")
            }
            let value = random.pick(values)
            lines[line].replaceSubrange(range, with: "value = \(value)")
            return (lines.joined(separator: "\n"), "line \(line + 1): value = \(value)")
        case 4:
            var scalars = Array(text.unicodeScalars)
            let at = random.below(scalars.count)
            let fragment = random.pick(fragments)
            scalars.insert(contentsOf: fragment.unicodeScalars, at: at)
            return (String(String.UnicodeScalarView(scalars)), "insert \(fragment.debugDescription) at \(at)")
        case 5:
            let depth = random.pick([2, 10, 31, 33, 100, 1_000, 5_000])
            let nested = "deep = " + String(repeating: "{ a = ", count: depth) + "1" + String(repeating: " }", count: depth)
            lines.insert(random.below(2) == 0 ? nested : nested.replacingOccurrences(of: "{ a = ", with: "[").replacingOccurrences(of: " }", with: "]"),
                         at: line)
            return (lines.joined(separator: "\n"), "insert \(depth)-deep nesting at line \(line + 1)")
        case 6:
            let parts = random.pick([3, 60, 70, 2_000])
            lines.insert((0..<parts).map { "k\($0)" }.joined(separator: ".") + " = 1", at: line)
            return (lines.joined(separator: "\n"), "insert a key of \(parts) dotted parts at line \(line + 1)")
        case 7:
            let keep = random.below(text.utf8.count)
            return (String(decoding: Array(text.utf8).prefix(keep), as: UTF8.self), "truncate to \(keep) bytes")
        default:
            let renamed = lines[line].replacingOccurrences(of: #"^(\s*)([a-z_]+)"#, with: "$1$2x", options: .regularExpression)
            lines[line] = random.below(2) == 0 ? renamed : "[" + lines[line] + "]"
            return (lines.joined(separator: "\n"), "rename or bracket line \(line + 1)")
        }
    }

    /// A small run to cost: 3 tokens of 4 units with large counts (so extreme prices overflow).
    static let units = [AccountingUnit(layer: 0, kind: .mixerInProj), AccountingUnit(layer: 0, kind: .mixerOutProj),
                        AccountingUnit(layer: nil, kind: .embedding), AccountingUnit(layer: nil, kind: .lmHead)]
    static let counts: [[ActivityCounts]] = (0..<3).map { t in
        units.indices.map { u in ActivityCounts(fields: ActivityCounts.fieldNames.indices.map { f in (t + 1) * (u + 2) * (f + 1) * 1_000_003 }) }
    }

    @Test func mutatedProfilesLoadOrFailWithOneLine() throws {
        let texts = try shippedProfileNames.map { try String(contentsOfFile: hardwareProfilesDirectory + "/\($0).toml", encoding: .utf8) }
        var random = Random(state: Self.seed)
        var loaded = 0, refused = 0, costed = 0, overflowed = 0
        var slowest = Duration.zero
        let start = ContinuousClock.now
        for i in 0..<Self.mutations {
            var (text, label) = Self.mutate(random.pick(texts), &random)
            if random.below(3) == 0 {  // a second edit
                let (twice, second) = Self.mutate(text, &random)
                text = twice
                label += "; " + second
            }
            let file = "fuzz-\(i).toml"
            let began = ContinuousClock.now
            do {
                let profile = try HardwareProfile.parse(toml: text, file: file)
                loaded += 1
                do {
                    let report = try EnergyModel.report(profile: profile, counts: Self.counts, units: Self.units,
                                                        denseBaseline: Self.counts[0],
                                                        schedule: TickSchedule(sitesPerToken: 2, timesteps: 4, tickPeriodMs: 1))
                    #expect(report.joulesPerToken.isFinite && report.denseBaselineJoulesPerToken.isFinite, "mutation \(i): \(label)")
                    costed += 1
                } catch let error as EnergyError {
                    #expect(!error.description.contains("\n"), "mutation \(i): \(label): \(error)")
                    overflowed += 1
                }
            } catch let error as ProfileError {
                let message = error.description
                #expect(!message.contains("\n") && message.hasPrefix(file + ":"), "mutation \(i) (seed \(Self.seed)): \(label): \(message)")
                refused += 1
            } catch {
                Issue.record("mutation \(i) (seed \(Self.seed)): \(label): threw \(type(of: error)): \(error)")
            }
            let took = ContinuousClock.now - began
            slowest = max(slowest, took)
            #expect(took < .seconds(2), "mutation \(i): \(label) took \(took)")
        }
        print("profile fuzz: \(Self.mutations) mutations in \(ContinuousClock.now - start): \(loaded) loaded (\(costed) costed, "
              + "\(overflowed) refused by the energy model), \(refused) refused with a ProfileError; slowest \(slowest)")
        #expect(loaded + refused == Self.mutations)
        #expect(loaded > 50 && refused > Self.mutations / 3 && overflowed > 0, "the mutations should both break and spare profiles")
    }
}
