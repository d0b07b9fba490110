import Foundation
import MarsimCore

/// Where spiking stops paying: the firing rate at which a spiking site (or the whole model) costs
/// what the same part run dense costs, on one profile.
///
/// **Firing rate** = events ÷ neuron updates (= events ÷ (neurons × T) per token), per site.
///
/// **Affine cost.** For a given site every count is fixed (neuron updates, membrane traffic,
/// thresholds and bias read, bias adds) or proportional to its events (one spike, its payload
/// bits, fan-out ACs and fan-out weight reads per event; `NeuronModel.counts`). So, per token,
///
///     E_site(r) = A + S × r,     S = B × neuron updates per token,   A = E_site(measured) − S × r_measured
///
/// with B the price of one event through the cost kinds' formulas: the event part of the site's
/// counts (spikes ±, payload bits, ACs, and as many weight reads as ACs) priced and divided by the
/// events; for a site that never fired, one event of fan-out `dense MACs ÷ neurons` (from the dense
/// baseline) and the run's mean payload bits per event (1 when the run has no events) is priced.
/// The break-even rate is `r* = (E_dense_site − A) ÷ S`: below it the site saves energy. It is
/// `nil` when `r* ≤ 0` (the fixed cost alone reaches the dense cost: spiking never pays) or S = 0.
/// It may exceed 1 (a rate no neuron reaches: the site pays at any rate). Static power belongs to
/// no unit and is left out per site. On a profile with `[chip]`, B includes the routing of one
/// event (`ChipMapping`), which is part of the site's `spike` energy.
///
/// **Whole model**: the run's energy per token (static included) as the model's rate
/// r = Σ events ÷ Σ neuron updates varies with every site's events scaled by the same factor (the
/// measured mix of sites kept; all sites at the same rate when the run has no events), against the
/// dense (or quantised) baseline's energy per token, static included.
public struct SiteBreakEven: Sendable, Equatable, Codable {
    /// The measured firing rate of the site.
    public var firingRate: Double
    /// The rate at which the site costs what it costs dense; nil when spiking never pays.
    public var dense: Double?
    /// The same against the quantised dense baseline (`QuantizedBaseline`).
    public var quantized: Double?

    public init(firingRate: Double, dense: Double?, quantized: Double?) {
        self.firingRate = firingRate
        self.dense = dense
        self.quantized = quantized
    }

    enum CodingKeys: String, CodingKey { case firingRate = "firing_rate", dense, quantized }

    /// Writes every key, `null` where spiking never pays.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(firingRate, forKey: .firingRate)
        try c.encode(dense, forKey: .dense)
        try c.encode(quantized, forKey: .quantized)
    }
}

/// The affine cost of one spiking site: `intercept + slope × firing rate`, J per token.
struct AffineSiteCost {
    var intercept: Double
    var slope: Double
    var firingRate: Double
    /// Measured events per token at the site, and the J one event costs.
    var eventsPerToken: Double
    var joulesPerEvent: Double

    /// `(target − intercept) ÷ slope`, nil when not positive or the slope is 0.
    static func crossing(intercept: Double, slope: Double, target: Double) -> Double? {
        guard slope > 0 else { return nil }
        let rate = (target - intercept) / slope
        return rate > 0 && rate.isFinite ? rate : nil
    }

    /// The site `total` (counts summed over `tokens` tokens, T ticks) with dense counterpart `dense`
    /// (one token).
    /// `routingPerEvent`: J of routing one of its events on the profile's chips (`ChipMapping`), 0 without.
    init(total: ActivityCounts, tokens: Int, timesteps: Int, dense: ActivityCounts, fallbackBitsPerEvent: Int,
         prices: CostTable, routingPerEvent: Double = 0) {
        let n = Double(tokens)
        let events = total.spikesPositive + total.spikesNegative
        var eventPart = ActivityCounts()
        if events > 0 {
            eventPart.spikesPositive = total.spikesPositive
            eventPart.spikesNegative = total.spikesNegative
            eventPart.spikePayloadBits = total.spikePayloadBits
            eventPart.synapticOps = total.synapticOps
            eventPart.weightsRead = total.synapticOps
        } else {
            // One event: fan-in = neuron updates per token ÷ T, fan-out = dense MACs ÷ fan-in.
            let fanIn = total.neuronUpdates / max(1, tokens) / max(1, timesteps)
            let fanOut = fanIn > 0 ? dense.denseMACs / fanIn : 0
            eventPart.spikesPositive = 1
            eventPart.spikePayloadBits = fallbackBitsPerEvent
            eventPart.synapticOps = fanOut
            eventPart.weightsRead = fanOut
        }
        joulesPerEvent = CostKind.dynamicKinds.reduce(0) { $0 + $1.joules(eventPart, prices) } / Double(max(events, 1))
        var measured = CostKind.dynamicKinds.reduce(0) { $0 + $1.joules(total, prices) } / n
        if routingPerEvent != 0 {
            joulesPerEvent += routingPerEvent
            measured += Double(events) * routingPerEvent / n
        }
        eventsPerToken = Double(events) / n
        firingRate = total.neuronUpdates > 0 ? Double(events) / Double(total.neuronUpdates) : 0
        slope = joulesPerEvent * Double(total.neuronUpdates) / n
        intercept = measured - slope * firingRate
    }
}

/// Break-even rates of a run, per site and for the whole model (see `SiteBreakEven`).
struct BreakEvenAnalysis {
    /// Per unit (`units` order): nil for units that are not spiking sites (no neuron updates).
    var sites: [SiteBreakEven?]
    /// The model's measured rate (Σ events ÷ Σ neuron updates); nil without spiking sites.
    var firingRate: Double?
    var dense: Double?
    var quantized: Double?

    /// - Parameters:
    ///   - unitTotals: the run's counts per unit summed over `tokens` tokens.
    ///   - runJoulesPerToken: the run's energy per token, static included.
    ///   - denseUnitJoules / quantizedUnitJoules: per unit, the baselines' dynamic J per token.
    ///   - denseJoulesPerToken / quantizedJoulesPerToken: the baselines' totals, static included.
    init(unitTotals: [ActivityCounts], tokens: Int, timesteps: Int, denseBaseline: [ActivityCounts],
         runJoulesPerToken: Double, denseUnitJoules: [Double], quantizedUnitJoules: [Double],
         denseJoulesPerToken: Double, quantizedJoulesPerToken: Double, prices: CostTable,
         routingJoulesPerEvent: [Double]? = nil, unitPrices: [CostTable]? = nil) {
        let all = unitTotals.reduce(ActivityCounts(), +)
        let allEvents = all.spikesPositive + all.spikesNegative
        let fallbackBits = allEvents > 0 ? max(1, all.spikePayloadBits / allEvents) : 1
        var sites: [SiteBreakEven?] = []
        var costs: [AffineSiteCost] = []
        for (u, total) in unitTotals.enumerated() {
            guard total.neuronUpdates > 0 else { sites.append(nil); continue }
            let cost = AffineSiteCost(total: total, tokens: tokens, timesteps: timesteps, dense: denseBaseline[u],
                                      fallbackBitsPerEvent: fallbackBits, prices: unitPrices?[u] ?? prices,
                                      routingPerEvent: routingJoulesPerEvent?[u] ?? 0)
            costs.append(cost)
            sites.append(SiteBreakEven(
                firingRate: cost.firingRate,
                dense: AffineSiteCost.crossing(intercept: cost.intercept, slope: cost.slope, target: denseUnitJoules[u]),
                quantized: AffineSiteCost.crossing(intercept: cost.intercept, slope: cost.slope, target: quantizedUnitJoules[u])))
        }
        self.sites = sites
        guard !costs.isEmpty, all.neuronUpdates > 0 else { firingRate = nil; dense = nil; quantized = nil; return }
        let rate = Double(allEvents) / Double(all.neuronUpdates)
        // Slope of the run's J/token in the model's rate: the measured mix scaled, or equal rates.
        let slope = rate > 0 ? costs.reduce(0) { $0 + $1.eventsPerToken * $1.joulesPerEvent } / rate
                             : costs.reduce(0) { $0 + $1.slope }
        let intercept = runJoulesPerToken - slope * rate
        firingRate = rate
        dense = AffineSiteCost.crossing(intercept: intercept, slope: slope, target: denseJoulesPerToken)
        quantized = AffineSiteCost.crossing(intercept: intercept, slope: slope, target: quantizedJoulesPerToken)
    }
}
