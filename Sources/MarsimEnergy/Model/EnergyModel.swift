import MarsimCore

/// Counts × prices → joules per token: the energy model, a pure function of plain values.
///
/// For token `t` with counts `c[t][u]` over units `u`, and `C_t = Σ_u c[t][u]` (integer sums):
///
///     dynamic_t = Σ_k joules_k(C_t)                         k over CostKind.dynamicKinds, in order
///     latency_t = ticksPerToken × tick_period + C_t.denseMACs × dense_mac_time
///     static_t  = P_static × latency_t
///     E_t       = dynamic_t + static_t
///     joulesPerToken = (Σ_t E_t) ÷ tokens
///
/// with `joules_k` as documented on `CostKind`. The dense baseline applies the same formulas to the
/// baseline counts with no ticks (`latency = denseMACs × dense_mac_time`): the dense model runs as
/// MACs on the profile's dense datapath, with the same memory model. The breakdown entry of unit `u`
/// and kind `k` is `joules_k(Σ_t c[t][u]) ÷ tokens`; static energy is not attributed to units and
/// appears once, as unit `chip`.
///
/// Latency rule, and why: ticks are serial (each site waits for the previous one, see
/// `TickSchedule`), and the dense stages (conv, scan, non-spiking projections) run between them on
/// the dense datapath, so the two times add. With `dense_mac_time = 0` this reduces to
/// `ticksPerToken × tick_period`. The schedule's own `tickPeriodMs` only timestamps traces; the
/// hardware's tick duration comes from the profile, so re-costing never needs a new trace.
public enum EnergyModel {
    /// Costs a run's counts under `profile`.
    ///
    /// - Parameters:
    ///   - profile: the hardware profile (prices, memory placement, timing, static power).
    ///   - counts: counts per token (outer) and unit (inner, `units` order) of the run being costed.
    ///   - units: the accounting units, in count order.
    ///   - denseBaseline: counts of one token of the same model run dense, per unit (`units` order).
    ///   - schedule: the run's tick schedule; `ticksPerToken` sets the number of ticks.
    /// - Throws: `EnergyError` when there are no tokens, a row's length differs from `units.count`,
    ///   a count is negative, a sum of counts overflows 64 bits, or an energy or latency comes out
    ///   non-finite (never a trap, never an "inf J" printed as a number).
    public static func report(profile: HardwareProfile, counts: [[ActivityCounts]], units: [AccountingUnit],
                              denseBaseline: [ActivityCounts], schedule: TickSchedule) throws -> EnergyReport {
        try checkShapes(counts, units: units, denseBaseline: denseBaseline)
        try checkCounts(counts, denseBaseline: denseBaseline, units: units)
        let (_, ticksOverflow) = schedule.sitesPerToken.multipliedReportingOverflow(by: schedule.timesteps)
        guard !ticksOverflow, schedule.sitesPerToken >= 0, schedule.timesteps >= 0 else {
            throw EnergyError.countOverflow(what: "ticks per token (\(schedule.sitesPerToken) sites × \(schedule.timesteps) ticks)")
        }

        let prices = CostTable(profile: profile)
        // Weight reuse `token` caps each site's reads per token (`WeightReuse`); `chunk` is applied by
        // `report(profile:inputs:)`, which has the chunks.
        let reuse = profile.memory.placements["weights"]?.reuse ?? .event
        let counts = reuse == .token ? WeightReuseRule.perToken(counts, denseBaseline: denseBaseline) : counts
        let weights = try WeightPlacement(profile: profile, units: units, denseBaseline: denseBaseline)
        let unitPrices = weights?.unitPrices ?? Array(repeating: prices, count: units.count)
        let tokens = Double(counts.count)
        let ticks = schedule.ticksPerToken
        let unitTotals = units.indices.map { u in counts.reduce(ActivityCounts()) { $0 + $1[u] } }
        let chip = try ChipCharges(profile: profile, unitTotals: unitTotals, tokens: counts.count,
                                   timesteps: schedule.timesteps, denseBaseline: denseBaseline, units: units)

        // Per token: integer totals over units, then one multiplication per kind.
        var series: [Double] = []
        var latencies: [Double] = []
        var kindSums = [Double](repeating: 0, count: CostKind.allCases.count)
        var mappingSums = (routing: 0.0, static: 0.0)
        for row in counts {
            let total = row.reduce(ActivityCounts(), +)
            let latency = Self.latencySeconds(ticks: ticks, denseMACs: total.denseMACs, prices: prices)
            var energy = 0.0
            for (i, kind) in CostKind.allCases.enumerated() {
                var joules = kind == .staticPower ? prices.staticPowerWatts * latency : kind.joules(total, prices)
                if kind == .weights, let weights { joules = weights.joules(row) }
                if let chip {
                    // The mapping's charges join `spike` (routing) and `static` (the chips).
                    if kind == .spike { let r = chip.routing(row); joules += r; mappingSums.routing += r }
                    if kind == .staticPower { let s = chip.watts * latency; joules += s; mappingSums.static += s }
                }
                energy += joules
                kindSums[i] += joules
            }
            series.append(energy)
            latencies.append(latency)
        }
        let meanJoules = series.reduce(0, +) / tokens
        let meanLatency = latencies.reduce(0, +) / tokens

        // Per unit: integer totals over tokens, priced, divided by the token count.
        var breakdown: [BreakdownEntry] = []
        for (u, unit) in units.enumerated() {
            for kind in CostKind.dynamicKinds {
                var joules = kind.joules(unitTotals[u], unitPrices[u])
                if kind == .spike, let chip { joules += chip.routing(unit: u, unitTotals[u]) }
                breakdown.append(Self.entry(unit, kind, joules / tokens, unitPrices[u]))
            }
        }
        breakdown.append(Self.chipEntry(kindSums[CostKind.allCases.firstIndex(of: .staticPower)!] / tokens, prices))

        // Dense baseline: one token, no ticks.
        let denseTotal = denseBaseline.reduce(ActivityCounts(), +)
        let denseLatency = Self.latencySeconds(ticks: 0, denseMACs: denseTotal.denseMACs, prices: prices)
        var denseJoules = 0.0
        var denseKind: [Double] = []
        for kind in CostKind.allCases {
            var joules = kind == .staticPower ? prices.staticPowerWatts * denseLatency : kind.joules(denseTotal, prices)
            if kind == .weights, let weights { joules = weights.joules(denseBaseline) }
            denseJoules += joules
            denseKind.append(joules)
        }
        var denseBreakdown: [BreakdownEntry] = []
        for (u, unit) in units.enumerated() {
            for kind in CostKind.dynamicKinds {
                denseBreakdown.append(Self.entry(unit, kind, kind.joules(denseBaseline[u], unitPrices[u]), unitPrices[u]))
            }
        }
        denseBreakdown.append(Self.chipEntry(denseKind[CostKind.allCases.firstIndex(of: .staticPower)!], prices))

        let byKind = CostKind.allCases.enumerated().map { i, kind in
            CostKindTotal(costKind: kind, memoryLevel: kind == .weights ? weights?.levelsUsed ?? prices.memoryLevel(of: kind)
                                                                        : prices.memoryLevel(of: kind),
                          joulesPerToken: kindSums[i] / tokens, denseBaselineJoulesPerToken: denseKind[i])
        }

        func finite(_ value: Double, _ what: String) throws {
            guard value.isFinite else { throw EnergyError.nonFinite(what: what, profile: profile.name) }
        }
        try finite(meanJoules, "the energy per token")
        try finite(meanLatency, "the latency per token")
        try finite(denseJoules, "the dense baseline's energy per token")
        try finite(denseLatency, "the dense baseline's latency per token")
        for value in series { try finite(value, "a token's energy") }
        for value in kindSums + denseKind { try finite(value, "an energy by cost kind") }
        for entry in breakdown + denseBreakdown { try finite(entry.joulesPerToken, "the energy of \(entry.unit)") }
        if meanJoules > 0 { try finite(denseJoules / meanJoules, "the ratio dense ÷ spiking") }

        // The quantised baseline: the dense one with the spiking sites' MACs re-priced.
        let activationBits = QuantizedBaseline.activationBits(timesteps: schedule.timesteps)
        let macScale = QuantizedBaseline.macScale(activationBits: activationBits,
                                                  weightBits: profile.precision["weight_bits"]?.baseValue ?? 0)
        let denseUnitJoules = denseBaseline.indices.map { u in
            CostKind.dynamicKinds.reduce(0) { $0 + $1.joules(denseBaseline[u], unitPrices[u]) }
        }
        let savings = units.indices.map { u in
            QuantizedBaseline.saving(denseUnit: denseBaseline[u], isSite: unitTotals[u].neuronUpdates > 0, scale: macScale, prices: prices)
        }
        let quantizedJoules = denseJoules - savings.reduce(0, +)
        let analysis = BreakEvenAnalysis(
            unitTotals: unitTotals, tokens: counts.count, timesteps: schedule.timesteps, denseBaseline: denseBaseline,
            runJoulesPerToken: meanJoules, denseUnitJoules: denseUnitJoules,
            quantizedUnitJoules: zip(denseUnitJoules, savings).map { $0 - $1 },
            denseJoulesPerToken: denseJoules, quantizedJoulesPerToken: quantizedJoules, prices: prices,
            routingJoulesPerEvent: chip?.perEvent, unitPrices: weights?.unitPrices)
        let perKind = CostKind.dynamicKinds.count
        for (u, site) in analysis.sites.enumerated() where site != nil {
            for k in 0..<perKind { breakdown[u * perKind + k].breakEven = site }
        }
        // Spilled weights enter the interval at their point prices (their reads leave the drawn term).
        var drawnTotal = unitTotals.reduce(ActivityCounts(), +), drawnDense = denseTotal
        var fixedRun = (mappingSums.routing + mappingSums.static) / tokens, fixedDense = 0.0
        if let weights {
            drawnTotal.weightsRead = weights.primaryReads(unitTotals)
            drawnDense.weightsRead = weights.primaryReads(denseBaseline)
            fixedRun += weights.spilledJoules(unitTotals) / tokens
            fixedDense = weights.spilledJoules(denseBaseline)
        }
        let interval = EnergyUncertainty.interval(
            profile: profile, total: drawnTotal, tokens: counts.count, ticksPerToken: ticks,
            denseTotal: drawnDense, point: meanJoules, pointRatio: meanJoules > 0 ? denseJoules / meanJoules : nil,
            fixedRunJoulesPerToken: fixedRun, fixedDenseJoules: fixedDense)
        try finite(quantizedJoules, "the quantised baseline's energy per token")
        for value in interval.joules + (interval.ratio ?? []) { try finite(value, "the uncertainty interval") }

        return EnergyReport(
            profile: profile, prices: prices, tokenCount: counts.count, ticksPerToken: ticks,
            joulesPerToken: meanJoules, joulesPerTokenSeries: series,
            latencySecondsPerToken: meanLatency, latencySecondsPerTokenSeries: latencies,
            denseBaselineJoulesPerToken: denseJoules, denseBaselineLatencySecondsPerToken: denseLatency,
            ratio: meanJoules > 0 ? denseJoules / meanJoules : nil,
            byCostKind: byKind, breakdown: breakdown, denseBaselineBreakdown: denseBreakdown,
            quantizedBaselineJoulesPerToken: quantizedJoules, quantizedActivationBits: activationBits,
            quantizedMACScale: macScale, firingRate: analysis.firingRate, breakEvenFiringRate: analysis.dense,
            quantizedBreakEvenFiringRate: analysis.quantized, joulesPerTokenInterval: interval.joules,
            ratioInterval: interval.ratio,
            mapping: chip.map { MappingEnergy(mapping: $0.mapping, routingJoulesPerToken: mappingSums.routing / tokens,
                                              staticJoulesPerToken: mappingSums.static / tokens) },
            weightPlacement: weights != nil || reuse != .event
                ? WeightPlacementReport(reuse: reuse, levels: weights?.fills) : nil)
    }

    /// At least one token, and every row (and the dense baseline) has one entry per unit.
    private static func checkShapes(_ counts: [[ActivityCounts]], units: [AccountingUnit], denseBaseline: [ActivityCounts]) throws {
        guard !counts.isEmpty else { throw EnergyError.noTokens }
        for (t, row) in counts.enumerated() where row.count != units.count {
            throw EnergyError.tokenShapeMismatch(token: t, expected: units.count, actual: row.count)
        }
        guard denseBaseline.count == units.count else {
            throw EnergyError.baselineShapeMismatch(expected: units.count, actual: denseBaseline.count)
        }
    }

    /// Every count is non-negative and every sum the model forms fits in an `Int`: the total of each
    /// field over all tokens and units (which bounds every partial sum, all terms being ≥ 0), with
    /// both spike polarities together, and the same for the dense baseline.
    private static func checkCounts(_ counts: [[ActivityCounts]], denseBaseline: [ActivityCounts], units: [AccountingUnit]) throws {
        func total(_ rows: [[ActivityCounts]], _ label: String) throws {
            var sums = [Int](repeating: 0, count: ActivityCounts.fieldNames.count)
            for (t, row) in rows.enumerated() {
                for (u, unit) in row.enumerated() {
                    for (f, value) in unit.fields.enumerated() {
                        guard value >= 0 else {
                            throw EnergyError.negativeCount(what: "\(label) token \(t), \(units[u].name), \(ActivityCounts.fieldNames[f])", value: value)
                        }
                        let (sum, overflow) = sums[f].addingReportingOverflow(value)
                        guard !overflow else { throw EnergyError.countOverflow(what: "\(ActivityCounts.fieldNames[f]) (\(label))") }
                        sums[f] = sum
                    }
                }
            }
            guard !sums[0].addingReportingOverflow(sums[1]).overflow else {
                throw EnergyError.countOverflow(what: "spikes of both polarities (\(label))")
            }
        }
        try total(counts, "run")
        try total([denseBaseline], "dense baseline")
    }

    /// Costs recorded inputs under `profile`; see `report(profile:counts:units:denseBaseline:schedule:)`.
    ///
    /// A profile whose weights are reused per chunk (`WeightReuse.chunk`) is costed with the inputs'
    /// chunk-shared reads when they are recorded; otherwise (and for every other reuse) as the counts say.
    public static func report(profile: HardwareProfile, inputs: EnergyInputs) throws -> EnergyReport {
        if profile.memory.placements["weights"]?.reuse == .chunk {
            // Shapes first, so the chunk transform reads only rows of the right length.
            try checkShapes(inputs.counts, units: inputs.units, denseBaseline: inputs.denseBaseline)
            if let chunked = try WeightReuseRule.perChunk(inputs) {
                return try report(profile: profile, counts: chunked.counts, units: inputs.units,
                                  denseBaseline: chunked.denseBaseline, schedule: inputs.schedule)
            }
            var r = try report(profile: profile, counts: inputs.counts, units: inputs.units,
                               denseBaseline: inputs.denseBaseline, schedule: inputs.schedule)
            r.weightPlacement?.reuse = .event
            return r
        }
        return try report(profile: profile, counts: inputs.counts, units: inputs.units,
                          denseBaseline: inputs.denseBaseline, schedule: inputs.schedule)
    }

    /// `ticks × tick_period + denseMACs × dense_mac_time`, in seconds.
    public static func latencySeconds(ticks: Int, denseMACs: Int, prices: CostTable) -> Double {
        Double(ticks) * prices.tickPeriodSeconds + Double(denseMACs) * prices.denseMACSeconds
    }

    private static func entry(_ unit: AccountingUnit, _ kind: CostKind, _ joules: Double,
                              _ prices: CostTable) -> BreakdownEntry {
        BreakdownEntry(unit: unit.name, layer: unit.layer, unitKind: unit.kind.rawValue, costKind: kind,
                       memoryLevel: prices.memoryLevel(of: kind), joulesPerToken: joules)
    }

    private static func chipEntry(_ joules: Double, _ prices: CostTable) -> BreakdownEntry {
        BreakdownEntry(unit: BreakdownEntry.chipUnitName, layer: nil, unitKind: nil, costKind: .staticPower,
                       memoryLevel: nil, joulesPerToken: joules)
    }
}
