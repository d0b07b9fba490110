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
        var prices: [String: Double] = [:]
        for rule in CostKind.priceRules {
            switch rule {
            case .compute(let key, _):
                prices[rule.id] = profile.compute[key]?.baseValue ?? 0
            case .memory(let placement, let bits, let write):
                let level = profile.memory.levels[profile.memory.placements[placement]!.level]!
                let access = write ? level.write : level.read
                prices[rule.id] = access.baseValue * (profile.precision[bits]!.baseValue / level.width.baseValue)
            }
        }
        joulesPer = prices
        staticPowerWatts = profile.staticPower.baseValue
        tickPeriodSeconds = profile.timing.tickPeriod.baseValue
        denseMACSeconds = profile.timing.denseMACTime.baseValue
        memoryLevels = profile.memory.placements.mapValues(\.level)
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
