import Foundation
import MarsimCore

/// How uncertain a report's J/token and ratio are, given the ranges a profile's values carry.
///
/// Method (seeded, deterministic): `samples` draws; in each, every entry with a `range` takes an
/// independent value from the **triangular distribution** on [low, high] with its mode at the
/// entry's value (the published figure is the likeliest; the range's ends are possible but
/// unlikely), entries in the order `HardwareProfile.entries` lists them, from SplitMix64 seeded with
/// `seed`. Entries without a range keep their value. Each draw prices the run's totals exactly as
/// `AggregateEnergy` does (the mean over tokens follows from the totals, static power × latency
/// included) and the dense baseline with the same draw, so the ratio's interval reflects
/// correlated prices. The interval is [p5, p95] of the draws (linear interpolation between order
/// statistics, "type 7"). A profile without ranges has the point value as both ends.
public enum EnergyUncertainty {
    /// SplitMix64 seed: the ASCII bytes of "marsim".
    public static let seed: UInt64 = 0x6D61_7273_696D
    /// Draws per interval.
    public static let samples = 4000
    /// The method, as reports state it.
    public static let methodText = "Monte Carlo, \(samples) draws: each profile entry with a range ~ triangular(low, value, high), "
        + "independent, SplitMix64 seed 0x6D617273696D; interval = [p5, p95] (type-7 quantiles); no ranges: the point value"

    /// [p5, p95] of J/token and of the ratio dense ÷ run (nil when a draw costs 0 J).
    ///
    /// - Parameters:
    ///   - total: the run's counts summed over all units and `tokens` tokens.
    ///   - denseTotal: the dense baseline's counts summed over units (one token).
    ///   - fixedRunJoulesPerToken: J/token added to every draw of the run at its point value: the chip
    ///     mapping's routing and chip static energy (`ChipMapping`; its `[chip]` values are not drawn),
    ///     and weights spilled past the first weight level (`WeightPlacement`; their reads are then
    ///     left out of `total`).
    ///   - fixedDenseJoules: the same for the dense baseline (its spilled weights).
    static func interval(profile: HardwareProfile, total: ActivityCounts, tokens: Int, ticksPerToken: Int,
                         denseTotal: ActivityCounts, point: Double, pointRatio: Double?,
                         fixedRunJoulesPerToken: Double = 0, fixedDenseJoules: Double = 0) -> (joules: [Double], ratio: [Double]?) {
        let entries = profile.entries
        let ranged = entries.indices.filter { entries[$0].entry.range != nil }
        guard !ranged.isEmpty else { return ([point, point], pointRatio.map { [$0, $0] }) }
        // Prices as CostTable derives them, from a value per entry index (drawn ones replaced).
        let index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.key, $0) })
        let derivations = CostTable.derivations(profile)
        let ruleIndex = Dictionary(uniqueKeysWithValues: derivations.enumerated().map { ($1.rule.id, $0) })
        func terms(_ counts: ActivityCounts) -> [(count: Double, price: Int)] {
            CostKind.dynamicKinds.flatMap { kind in
                kind.declaration.terms.map { (Double(counts[keyPath: $0.counter.field]), ruleIndex[$0.price.id]!) }
            }
        }
        // The derivations with entry indices in place of keys (the same arithmetic as `price`).
        let resolved = derivations.map { d in
            (base: d.base.map { index[$0]! }, scale: d.scale.map { (factor: index[$0.factor]!, divisor: index[$0.divisor]!) })
        }
        let runTerms = terms(total), denseTerms = terms(denseTotal)
        let (power, tick, mac) = (index["power.static"]!, index["timing.tick_period"]!, index["timing.dense_mac_time"]!)
        func perToken(_ terms: [(count: Double, price: Int)], _ prices: [Double], _ values: [Double],
                      tokens: Int, ticks: Int, macs: Int) -> Double {
            let dynamic = terms.reduce(0) { $0 + $1.count * prices[$1.price] }
            let latency = Double(ticks) * values[tick] + Double(macs) * values[mac]
            return (dynamic + values[power] * latency) / Double(tokens)
        }

        var generator = SplitMix64Generator(seed: seed)
        var values = entries.map(\.entry.baseValue)
        var joules: [Double] = [], ratios: [Double] = []
        joules.reserveCapacity(samples)
        var ratioDefined = true
        for _ in 0..<samples {
            for i in ranged {
                let entry = entries[i].entry, range = entry.range!
                values[i] = triangular(low: range.low.baseValue, mode: entry.baseValue, high: range.high.baseValue,
                                       u: generator.unit())
            }
            let prices = resolved.map { r -> Double in
                guard let base = r.base else { return 0 }
                guard let scale = r.scale else { return values[base] }
                return values[base] * (values[scale.factor] / values[scale.divisor])
            }
            let run = perToken(runTerms, prices, values, tokens: tokens, ticks: tokens * ticksPerToken, macs: total.denseMACs)
                + fixedRunJoulesPerToken
            let dense = perToken(denseTerms, prices, values, tokens: 1, ticks: 0, macs: denseTotal.denseMACs) + fixedDenseJoules
            joules.append(run)
            if run > 0 { ratios.append(dense / run) } else { ratioDefined = false }
        }
        return ([quantile(joules, 0.05), quantile(joules, 0.95)],
                ratioDefined ? [quantile(ratios, 0.05), quantile(ratios, 0.95)] : nil)
    }

    /// The inverse CDF of the triangular distribution on [low, high] with mode `mode`, at u ∈ [0, 1).
    public static func triangular(low: Double, mode: Double, high: Double, u: Double) -> Double {
        let width = high - low
        guard width > 0 else { return mode }
        let split = (mode - low) / width
        return u < split ? low + (u * width * (mode - low)).squareRoot()
                         : high - ((1 - u) * width * (high - mode)).squareRoot()
    }

    /// The q-quantile of `values` (type 7: linear between order statistics of the sorted values).
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        let h = Double(sorted.count - 1) * q
        let i = Int(h.rounded(.down))
        guard i + 1 < sorted.count else { return sorted[sorted.count - 1] }
        return sorted[i] + (h - Double(i)) * (sorted[i + 1] - sorted[i])
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): the same stream on every platform and toolchain, which
/// the Monte Carlo interval needs to be reproducible (`SystemRandomNumberGenerator` is not seeded).
struct SplitMix64Generator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
}
