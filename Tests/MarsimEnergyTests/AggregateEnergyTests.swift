import MarsimCore
import Testing
@testable import MarsimEnergy

/// Costing per-unit totals equals the mean of the per-token energies (the model is linear in counts).
@Suite struct AggregateEnergyTests {
    /// Random per-token counts (seeded), costed token by token and from their totals.
    @Test(arguments: shippedProfileNames)
    func totalsCostTheMeanOfTheTokens(profileName: String) throws {
        let profile = try shippedProfile(profileName)
        let units = TinyRun.units
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        let counts: [[ActivityCounts]] = (0..<37).map { _ in
            units.map { _ in
                var c = ActivityCounts()
                c.spikesPositive = next(500); c.spikesNegative = next(500); c.synapticOps = next(90_000)
                c.neuronUpdates = next(2_000); c.denseMACs = next(300_000); c.elementwiseAdds = next(900)
                c.elementwiseMuls = next(900); c.elementwiseNonlinear = next(300); c.weightsRead = next(400_000)
                c.neuronStateRead = next(2_000); c.neuronStateWritten = next(2_000)
                c.recurrentStateRead = next(5_000); c.recurrentStateWritten = next(5_000)
                return c
            }
        }
        let report = try EnergyModel.report(profile: profile, counts: counts, units: units,
                                            denseBaseline: TinyRun.denseBaseline, schedule: TinyRun.schedule)
        let totals = units.indices.map { u in counts.reduce(ActivityCounts()) { $0 + $1[u] } }
        let aggregate = try EnergyModel.aggregate(profile: profile, unitTotals: totals, tokens: counts.count, units: units,
                                                  denseBaseline: TinyRun.denseBaseline, schedule: TinyRun.schedule)
        #expect(aggregate.tokens == 37 && aggregate.profile == profile.name)
        #expect(isClose(aggregate.joulesPerToken, report.joulesPerToken, relative: 1e-12), "\(aggregate.joulesPerToken) vs \(report.joulesPerToken)")
        #expect(isClose(aggregate.latencySecondsPerToken, report.latencySecondsPerToken, relative: 1e-12))
        #expect(aggregate.denseBaselineJoulesPerToken == report.denseBaselineJoulesPerToken)
        for kind in CostKind.allCases {
            #expect(isClose(aggregate.byCostKind[kind.rawValue] ?? -1, report.joulesPerToken(of: kind), relative: 1e-12), "\(kind)")
        }
        #expect(throws: EnergyError.self) {
            try EnergyModel.aggregate(profile: profile, unitTotals: totals, tokens: 0, units: units,
                                      denseBaseline: TinyRun.denseBaseline, schedule: TinyRun.schedule)
        }
    }
}
