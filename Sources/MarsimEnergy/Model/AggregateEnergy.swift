import MarsimCore

/// Energy per token of a run known by its totals: counts per unit summed over all tokens, and the
/// token count (an evaluation's thousands of items, whose per-token series nobody keeps).
///
/// Every term of `EnergyModel`'s per-token energy is linear in the token's counts (dynamic energy is
/// count × price; static energy is power × latency, and latency is ticks × period + MACs × MAC
/// time), so the mean over tokens follows from the totals `C = Σ_u total_u`:
///
///     joulesPerToken = (Σ_k joules_k(C) + P_static × (tokens × ticksPerToken × tick_period
///                                                     + C.denseMACs × dense_mac_time)) ÷ tokens
///
/// equal to `EnergyReport.joulesPerToken` up to rounding (with `[chip]`, plus the mapping's routing,
/// linear in each site's events, and its chips' static power × the same latency). Totals are integers, so shards of a run
/// add up to exactly the unsharded totals and cost exactly the same.
public struct AggregateEnergy: Sendable, Equatable, Codable {
    public var profile: String
    public var tokens: Int
    /// Mean energy per token, J.
    public var joulesPerToken: Double
    /// Energy per token of the same model run fully dense on the same profile, J.
    public var denseBaselineJoulesPerToken: Double
    /// dense ÷ run (> 1: the run saves energy); nil when the run costs 0 J.
    public var ratio: Double?
    /// Mean latency per token, s.
    public var latencySecondsPerToken: Double
    /// Mean energy per token by cost kind (every kind, `CostKind` order), J.
    public var byCostKind: [String: Double]

    enum CodingKeys: String, CodingKey {
        case profile, tokens, joulesPerToken = "joules_per_token", denseBaselineJoulesPerToken = "dense_baseline_joules_per_token"
        case ratio, latencySecondsPerToken = "latency_seconds_per_token", byCostKind = "by_cost_kind"
    }

    /// Writes every key, `null` for an undefined `ratio`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(profile, forKey: .profile)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(joulesPerToken, forKey: .joulesPerToken)
        try c.encode(denseBaselineJoulesPerToken, forKey: .denseBaselineJoulesPerToken)
        try c.encode(ratio, forKey: .ratio)
        try c.encode(latencySecondsPerToken, forKey: .latencySecondsPerToken)
        try c.encode(byCostKind, forKey: .byCostKind)
    }
}

extension EnergyModel {
    /// Costs a run's per-unit totals over `tokens` tokens under `profile` (see `AggregateEnergy`).
    ///
    /// - Throws: `EnergyError` when there are no tokens, the totals or baseline do not match
    ///   `units`, a count is negative or a sum overflows, or a result is not finite.
    public static func aggregate(profile: HardwareProfile, unitTotals: [ActivityCounts], tokens: Int, units: [AccountingUnit],
                                 denseBaseline: [ActivityCounts], schedule: TickSchedule) throws -> AggregateEnergy {
        guard tokens > 0 else { throw EnergyError.noTokens }
        guard unitTotals.count == units.count else { throw EnergyError.tokenShapeMismatch(token: 0, expected: units.count, actual: unitTotals.count) }
        // The dense baseline (and every count check) through the per-token model: one "token" of totals.
        // (Without `[chip]`: one "token" of totals would read as sites `tokens` times too wide; the
        // mapping is made below from the real token count.)
        var plain = profile
        plain.chip = nil
        let baseline = try report(profile: plain, counts: [unitTotals], units: units, denseBaseline: denseBaseline, schedule: schedule)
        let chip = try ChipCharges(profile: profile, unitTotals: unitTotals, tokens: tokens, timesteps: schedule.timesteps,
                                   denseBaseline: denseBaseline, units: units)
        let prices = CostTable(profile: profile)
        // Weight reuse `token` from totals: each site's reads capped at tokens × its dense reads (the
        // per-token cap summed can only be lower; `chunk` needs chunks, which totals do not keep).
        var unitTotals = unitTotals
        if profile.memory.placements["weights"]?.reuse == .token {
            for u in unitTotals.indices where unitTotals[u].neuronUpdates > 0 {
                let (cap, overflow) = denseBaseline[u].weightsRead.multipliedReportingOverflow(by: tokens)
                if !overflow { unitTotals[u].weightsRead = min(unitTotals[u].weightsRead, cap) }
            }
        }
        let weights = try WeightPlacement(profile: profile, units: units, denseBaseline: denseBaseline)
        let total = unitTotals.reduce(ActivityCounts(), +)
        let (ticks, overflow) = schedule.ticksPerToken.multipliedReportingOverflow(by: tokens)
        guard !overflow else { throw EnergyError.countOverflow(what: "ticks over \(tokens) tokens") }
        let latency = latencySeconds(ticks: ticks, denseMACs: total.denseMACs, prices: prices)
        var byKind: [String: Double] = [:]
        var joules = 0.0
        for kind in CostKind.allCases {
            var value = kind == .staticPower ? prices.staticPowerWatts * latency : kind.joules(total, prices)
            if kind == .weights, let weights { value = weights.joules(unitTotals) }
            if let chip, kind == .spike { value += chip.routing(unitTotals) }
            if let chip, kind == .staticPower { value += chip.watts * latency }
            byKind[kind.rawValue] = value / Double(tokens)
            joules += value
        }
        let perToken = joules / Double(tokens)
        guard perToken.isFinite, latency.isFinite else { throw EnergyError.nonFinite(what: "the energy per token", profile: profile.name) }
        return AggregateEnergy(profile: profile.name, tokens: tokens, joulesPerToken: perToken,
                               denseBaselineJoulesPerToken: baseline.denseBaselineJoulesPerToken,
                               ratio: perToken > 0 ? baseline.denseBaselineJoulesPerToken / perToken : nil,
                               latencySecondsPerToken: latency / Double(tokens), byCostKind: byKind)
    }
}
