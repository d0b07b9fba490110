import Foundation
import MarsimCore

/// Joules per token of one run under one hardware profile, beside the same model run dense.
///
/// All energies are in joules per token, all times in seconds per token. `joulesPerToken` is the mean
/// of `joulesPerTokenSeries`; the breakdown entries are means over the same tokens, so they add up
/// to `joulesPerToken` (up to floating-point rounding). JSON keys are snake_case (see `CodingKeys`).
public struct EnergyReport: Sendable, Equatable, Codable {
    /// How `ratio` is defined, also written into the JSON.
    public static let ratioDefinitionText =
        "dense_baseline_joules_per_token / joules_per_token: above 1 the spiking run uses less energy per token"

    /// The profile the counts were costed under, every entry with its source.
    public var profile: HardwareProfile
    /// The per-element prices derived from `profile`.
    public var prices: CostTable
    /// Tokens costed.
    public var tokenCount: Int
    /// Spiking ticks per token (from the run's `TickSchedule`).
    public var ticksPerToken: Int

    /// Mean energy per token of the run, J.
    public var joulesPerToken: Double
    /// Energy of each token of the run, J, in token order.
    public var joulesPerTokenSeries: [Double]
    /// Mean latency per token of the run, s: `ticksPerToken × tick_period + denseMACs × dense_mac_time`.
    public var latencySecondsPerToken: Double
    /// Latency of each token, s.
    public var latencySecondsPerTokenSeries: [Double]

    /// Energy per token of the same model run fully dense, same profile and memory model, J.
    public var denseBaselineJoulesPerToken: Double
    /// Latency per token of the dense run, s: `denseMACs × dense_mac_time` (no ticks).
    public var denseBaselineLatencySecondsPerToken: Double

    /// `denseBaselineJoulesPerToken ÷ joulesPerToken` (> 1: spiking saves energy); nil when the run costs 0 J.
    public var ratio: Double?
    /// `ratioDefinitionText`, so the JSON explains itself.
    public var ratioDefinition: String = EnergyReport.ratioDefinitionText

    /// Totals per cost kind (every kind, in `CostKind` order), run and dense baseline.
    public var byCostKind: [CostKindTotal]
    /// Run energy per token by accounting unit × cost kind; static energy is one `chip` entry.
    public var breakdown: [BreakdownEntry]
    /// Dense-baseline energy per token by accounting unit × cost kind, same layout.
    public var denseBaselineBreakdown: [BreakdownEntry]

    /// Energy per token of the quantised dense baseline (`QuantizedBaseline`): the dense baseline
    /// with the MACs of the run's spiking sites at `quantizedActivationBits`-bit activations, J.
    public var quantizedBaselineJoulesPerToken: Double
    /// ⌈log2(T + 1)⌉, the activation bits of the quantised baseline.
    public var quantizedActivationBits: Int
    /// min(1, activation bits ÷ weight bits): the factor on the MAC price at the spiking sites.
    public var quantizedMACScale: Double
    /// The run's firing rate, Σ events ÷ Σ neuron updates over the spiking sites; nil without sites.
    public var firingRate: Double?
    /// The whole model's firing rate at which the run costs what the dense baseline costs
    /// (`SiteBreakEven`); nil where spiking never pays.
    public var breakEvenFiringRate: Double?
    /// The same against the quantised baseline.
    public var quantizedBreakEvenFiringRate: Double?
    /// [p5, p95] of J/token over the profile's ranges (`EnergyUncertainty`); the point value twice
    /// when the profile has no ranges.
    public var joulesPerTokenInterval: [Double]
    /// [p5, p95] of the ratio; nil when a draw costs 0 J.
    public var ratioInterval: [Double]?
    /// How the intervals were computed (`EnergyUncertainty.methodText`).
    public var intervalMethod: String = EnergyUncertainty.methodText
    /// Cores, chips, routing and chip static energy (`ChipMapping`); nil for profiles without `[chip]`
    /// (and then absent from the JSON).
    public var mapping: MappingEnergy? = nil
    /// Where the weights live and how they are reused (`WeightPlacement`); nil for profiles that
    /// state neither capacities, spill nor a reuse other than `event` (and then absent from the JSON).
    public var weightPlacement: WeightPlacementReport? = nil

    enum CodingKeys: String, CodingKey {
        case profile, prices
        case tokenCount = "token_count", ticksPerToken = "ticks_per_token"
        case joulesPerToken = "joules_per_token", joulesPerTokenSeries = "joules_per_token_series"
        case latencySecondsPerToken = "latency_seconds_per_token"
        case latencySecondsPerTokenSeries = "latency_seconds_per_token_series"
        case denseBaselineJoulesPerToken = "dense_baseline_joules_per_token"
        case denseBaselineLatencySecondsPerToken = "dense_baseline_latency_seconds_per_token"
        case ratio, ratioDefinition = "ratio_definition"
        case byCostKind = "by_cost_kind", breakdown, denseBaselineBreakdown = "dense_baseline_breakdown"
        case quantizedBaselineJoulesPerToken = "quantized_baseline_joules_per_token"
        case quantizedActivationBits = "quantized_activation_bits", quantizedMACScale = "quantized_mac_scale"
        case firingRate = "firing_rate", breakEvenFiringRate = "break_even_firing_rate"
        case quantizedBreakEvenFiringRate = "quantized_break_even_firing_rate"
        case joulesPerTokenInterval = "joules_per_token_interval", ratioInterval = "ratio_interval"
        case intervalMethod = "interval_method", mapping, weightPlacement = "weight_placement"
    }

    /// Writes every key, `null` for an undefined `ratio` (the synthesized form would drop the key).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(profile, forKey: .profile)
        try c.encode(prices, forKey: .prices)
        try c.encode(tokenCount, forKey: .tokenCount)
        try c.encode(ticksPerToken, forKey: .ticksPerToken)
        try c.encode(joulesPerToken, forKey: .joulesPerToken)
        try c.encode(joulesPerTokenSeries, forKey: .joulesPerTokenSeries)
        try c.encode(latencySecondsPerToken, forKey: .latencySecondsPerToken)
        try c.encode(latencySecondsPerTokenSeries, forKey: .latencySecondsPerTokenSeries)
        try c.encode(denseBaselineJoulesPerToken, forKey: .denseBaselineJoulesPerToken)
        try c.encode(denseBaselineLatencySecondsPerToken, forKey: .denseBaselineLatencySecondsPerToken)
        try c.encode(ratio, forKey: .ratio)
        try c.encode(ratioDefinition, forKey: .ratioDefinition)
        try c.encode(byCostKind, forKey: .byCostKind)
        try c.encode(breakdown, forKey: .breakdown)
        try c.encode(denseBaselineBreakdown, forKey: .denseBaselineBreakdown)
        try c.encode(quantizedBaselineJoulesPerToken, forKey: .quantizedBaselineJoulesPerToken)
        try c.encode(quantizedActivationBits, forKey: .quantizedActivationBits)
        try c.encode(quantizedMACScale, forKey: .quantizedMACScale)
        try c.encode(firingRate, forKey: .firingRate)
        try c.encode(breakEvenFiringRate, forKey: .breakEvenFiringRate)
        try c.encode(quantizedBreakEvenFiringRate, forKey: .quantizedBreakEvenFiringRate)
        try c.encode(joulesPerTokenInterval, forKey: .joulesPerTokenInterval)
        try c.encode(ratioInterval, forKey: .ratioInterval)
        try c.encode(intervalMethod, forKey: .intervalMethod)
        try c.encodeIfPresent(mapping, forKey: .mapping)
        try c.encodeIfPresent(weightPlacement, forKey: .weightPlacement)
    }

    /// The ratio against the quantised baseline, `quantizedBaselineJoulesPerToken ÷ joulesPerToken`; nil when the run costs 0 J.
    public var quantizedRatio: Double? {
        joulesPerToken > 0 ? quantizedBaselineJoulesPerToken / joulesPerToken : nil
    }

    /// The break-even rates of each spiking site, in unit order (from the breakdown).
    public var siteBreakEvens: [(unit: String, breakEven: SiteBreakEven)] {
        var seen = Set<String>(), sites: [(String, SiteBreakEven)] = []
        for entry in breakdown { if let b = entry.breakEven, seen.insert(entry.unit).inserted { sites.append((entry.unit, b)) } }
        return sites
    }

    /// The report as JSON (sorted keys, pretty-printed; `ratio` is `null` when undefined).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Run energy per token of one cost kind, J.
    public func joulesPerToken(of kind: CostKind) -> Double {
        byCostKind.first { $0.costKind == kind }?.joulesPerToken ?? 0
    }
}

/// One cost kind's share of the energy per token.
public struct CostKindTotal: Sendable, Equatable, Codable {
    public var costKind: CostKind
    /// The memory level charged, for memory kinds.
    public var memoryLevel: String?
    /// Run, J per token (mean).
    public var joulesPerToken: Double
    /// Dense baseline, J per token.
    public var denseBaselineJoulesPerToken: Double

    public init(costKind: CostKind, memoryLevel: String?, joulesPerToken: Double, denseBaselineJoulesPerToken: Double) {
        self.costKind = costKind
        self.memoryLevel = memoryLevel
        self.joulesPerToken = joulesPerToken
        self.denseBaselineJoulesPerToken = denseBaselineJoulesPerToken
    }

    enum CodingKeys: String, CodingKey {
        case costKind = "cost_kind", memoryLevel = "memory_level", joulesPerToken = "joules_per_token"
        case denseBaselineJoulesPerToken = "dense_baseline_joules_per_token"
    }
}

/// Energy per token of one accounting unit and one cost kind.
public struct BreakdownEntry: Sendable, Equatable, Codable {
    /// The name used for whole-system costs (static power), which belong to no accounting unit.
    public static let chipUnitName = "chip"

    /// `AccountingUnit.name` (e.g. `layer03.mixer.in_proj`), or `chip` for static energy.
    public var unit: String
    /// The unit's layer; nil for model-level units and `chip`.
    public var layer: Int?
    /// The unit's kind (`UnitKind` raw value); nil for `chip`.
    public var unitKind: String?
    public var costKind: CostKind
    /// The memory level charged, for memory kinds.
    public var memoryLevel: String?
    /// J per token (mean over tokens).
    public var joulesPerToken: Double
    /// The unit's break-even firing rates, on every run entry of a spiking site (nil elsewhere, and
    /// then absent from the JSON).
    public var breakEven: SiteBreakEven?

    public init(unit: String, layer: Int?, unitKind: String?, costKind: CostKind, memoryLevel: String?,
                joulesPerToken: Double, breakEven: SiteBreakEven? = nil) {
        self.unit = unit
        self.layer = layer
        self.unitKind = unitKind
        self.costKind = costKind
        self.memoryLevel = memoryLevel
        self.joulesPerToken = joulesPerToken
        self.breakEven = breakEven
    }

    enum CodingKeys: String, CodingKey {
        case unit, layer, unitKind = "unit_kind", costKind = "cost_kind", memoryLevel = "memory_level"
        case joulesPerToken = "joules_per_token", breakEven = "break_even"
    }
}
