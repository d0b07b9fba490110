/// A profile reduced to prices: joules per counted element, plus the timing and static power.
///
/// This is all the energy model needs; it is derived once per profile and stored in every report,
/// so each joule in a report can be checked as `count × price` by hand. Which prices exist and how
/// each is derived is declared with the cost kinds (`CostKind.declaration`, `PriceRule`).
public struct CostTable: Sendable, Equatable, Codable {
    /// J per counted element, by `PriceRule.id` (`compute.ac`, `memory.weights.read`, …): one per
    /// rule in `CostKind.priceRules`.
    public var joulesPer: [String: Double]
    /// W, charged over each token's latency = `power.static`.
    public var staticPowerWatts: Double
    /// s per spiking tick = `timing.tick_period`.
    public var tickPeriodSeconds: Double
    /// s per dense MAC = `timing.dense_mac_time`.
    public var denseMACSeconds: Double
    /// The memory level each `[memory.placement]` key names (`weights` → `dram`, …).
    public var memoryLevels: [String: String]

    /// Derives the prices from a validated profile.
    public init(profile: HardwareProfile) {
        let values = Dictionary(uniqueKeysWithValues: profile.entries.map { ($0.key, $0.entry.baseValue) })
        var prices: [String: Double] = [:]
        for derivation in Self.derivations(profile) {
            prices[derivation.rule.id] = derivation.price { values[$0] }
        }
        joulesPer = prices
        staticPowerWatts = profile.staticPower.baseValue
        tickPeriodSeconds = profile.timing.tickPeriod.baseValue
        denseMACSeconds = profile.timing.denseMACTime.baseValue
        memoryLevels = profile.memory.placements.mapValues(\.level)
    }

    /// How one price follows from a profile's entries (named by their dotted keys, as
    /// `HardwareProfile.entries` lists them): `base × (scale.factor ÷ scale.divisor)`, or 0 when
    /// `base` is nil (an optional `[compute]` entry the profile omits).
    struct Derivation {
        var rule: PriceRule
        var base: String?
        var scale: (factor: String, divisor: String)?

        /// The price, given each entry's value by key.
        func price(_ value: (String) -> Double?) -> Double {
            guard let base, let b = value(base) else { return 0 }
            guard let scale else { return b }
            return b * (value(scale.factor)! / value(scale.divisor)!)
        }
    }

    /// One derivation per rule of `CostKind.priceRules`, in order: a `[compute]` entry as given; a
    /// memory access `read(L)` (or `write(L)`) × `precision.<bits>` ÷ `width(L)`, with `L` the level
    /// `memory.placement.<placement>` names.
    static func derivations(_ profile: HardwareProfile) -> [Derivation] {
        CostKind.priceRules.map { rule in
            switch rule {
            case .compute(let key, _):
                return Derivation(rule: rule, base: profile.compute[key] == nil ? nil : "compute.\(key)", scale: nil)
            case .memory(let placement, let bits, let write):
                let level = "memory.levels.\(profile.memory.placements[placement]!.level)"
                return Derivation(rule: rule, base: level + (write ? ".write" : ".read"),
                                  scale: ("precision.\(bits)", level + ".width"))
            }
        }
    }

    /// The price `rule` derives (0 for a rule this table was not built with).
    public subscript(_ rule: PriceRule) -> Double { joulesPer[rule.id] ?? 0 }

    /// The memory level a memory cost kind is charged at; nil for other kinds.
    public func memoryLevel(of kind: CostKind) -> String? {
        kind.declaration.memoryPlacement.flatMap { memoryLevels[$0] }
    }

    enum CodingKeys: String, CodingKey {
        case joulesPer = "joules_per", staticPowerWatts = "static_power_watts", tickPeriodSeconds = "tick_period_seconds"
        case denseMACSeconds = "dense_mac_seconds", memoryLevels = "memory_levels"
    }
}
