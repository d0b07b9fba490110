import Foundation
import MarsimCore
import Testing
@testable import MarsimEnergy

/// A tiny hand-made run: one spiking projection (4 neurons × fan-out 12, T = 2), one dense SSM
/// stage and a dense lm_head (4 × 12), over two tokens, plus its dense baseline.
enum TinyRun {
    static let units = [AccountingUnit(layer: 0, kind: .mixerInProj), AccountingUnit(layer: 0, kind: .mixerSSM),
                        AccountingUnit(layer: nil, kind: .lmHead)]
    static let schedule = TickSchedule(sitesPerToken: 1, timesteps: 2, tickPeriodMs: 0.5)

    static func spikingProjection(positive: Int, negative: Int) -> ActivityCounts {
        var c = ActivityCounts()
        c.spikesPositive = positive
        c.spikesNegative = negative
        c.spikePayloadBits = (positive + negative) * 4  // graded spikes of 4 bits
        c.synapticOps = (positive + negative) * 12     // each event adds one 12-element column
        c.weightsRead = (positive + negative) * 12     // … which it reads
        c.neuronUpdates = 4 * 2                        // 4 neurons × T
        c.neuronStateRead = 8
        c.neuronStateWritten = 8
        return c
    }

    static var ssm: ActivityCounts {
        var c = ActivityCounts()
        c.denseMACs = 100
        c.elementwiseAdds = 20
        c.elementwiseMuls = 30
        c.elementwiseNonlinear = 7
        c.recurrentStateRead = 64
        c.recurrentStateWritten = 64
        return c
    }

    static var denseProjection: ActivityCounts {
        var c = ActivityCounts()
        c.denseMACs = 48
        c.weightsRead = 48
        return c
    }

    static let counts: [[ActivityCounts]] = [
        [spikingProjection(positive: 3, negative: 2), ssm, denseProjection],
        [spikingProjection(positive: 1, negative: 0), ssm, denseProjection],
    ]
    static let denseBaseline: [ActivityCounts] = [denseProjection, ssm, denseProjection]
    static let inputs = EnergyInputs(counts: counts, units: units, denseBaseline: denseBaseline, schedule: schedule)
}

/// A profile's numbers, copied by hand from its TOML file, as joules / seconds / watts per counted element.
struct HandPrices: Sendable, CustomTestStringConvertible {
    var profile: String
    var mac, ac, neuronUpdate, spike, add, mul, nonlinear: Double
    var weightRead, stateRead, stateWrite, recurrentRead, recurrentWrite: Double
    var staticWatts, tickSeconds, macSeconds: Double
    /// Per payload bit (`compute.spike_bit`; 0 where the profile has none).
    var spikeBit: Double {
        switch profile {
        case "horowitz-45nm-memory": return (10e-12 + 10e-12) / 64
        case "jouppi-7nm-memory": return (5e-12 + 5e-12) / 64
        default: return 0
        }
    }
    var testDescription: String { profile }

    /// Energy of one token with the given totals over units, written out term by term.
    func joules(spikes: Double, acs: Double, updates: Double, macs: Double, adds: Double, muls: Double,
                nonlinear n: Double, weights: Double, stateR: Double, stateW: Double, recR: Double, recW: Double,
                ticks: Double) -> Double {
        acs * ac + macs * mac + updates * neuronUpdate + spikes * spike + 4 * spikes * spikeBit + adds * add + muls * mul + n * nonlinear
            + weights * weightRead + stateR * stateRead + stateW * stateWrite + recR * recurrentRead + recW * recurrentWrite
            + staticWatts * (ticks * tickSeconds + macs * macSeconds)
    }

    static let all: [HandPrices] = [
        // hardware-profiles/horowitz-45nm-compute.toml: MAC 4.6 pJ, AC 0.9 pJ, all else 0.
        HandPrices(profile: "horowitz-45nm-compute", mac: 4.6e-12, ac: 0.9e-12, neuronUpdate: 0, spike: 0, add: 0, mul: 0,
                   nonlinear: 0, weightRead: 0, stateRead: 0, stateWrite: 0, recurrentRead: 0, recurrentWrite: 0,
                   staticWatts: 0, tickSeconds: 1e-3, macSeconds: 1e-9),
        // horowitz-45nm-memory.toml: fp32; weights in DRAM (1.3 nJ / 64 bit), membranes in 32 KB SRAM
        // (20 pJ / 64 bit), SSM state in 1 MB SRAM (100 pJ / 64 bit); 32-bit elements.
        // compute.spike_bit: (10 + 10) pJ per 64-bit 8 KB SRAM access ÷ 64.
        HandPrices(profile: "horowitz-45nm-memory", mac: 4.6e-12, ac: 0.9e-12, neuronUpdate: 7.3e-12, spike: 0,
                   add: 0.9e-12, mul: 3.7e-12, nonlinear: 27.6e-12,
                   weightRead: 1.3e-9 * 32 / 64, stateRead: 20e-12 * 32 / 64, stateWrite: 20e-12 * 32 / 64,
                   recurrentRead: 100e-12 * 32 / 64, recurrentWrite: 100e-12 * 32 / 64,
                   staticWatts: 0, tickSeconds: 1e-3, macSeconds: 1e-9),
        // horowitz-45nm-int8.toml: int8 MAC/AC, 8-bit weights, 16-bit membranes and SSM state, fp16 element-wise.
        HandPrices(profile: "horowitz-45nm-int8", mac: 0.23e-12, ac: 0.03e-12, neuronUpdate: 0.4e-12, spike: 0,
                   add: 0.4e-12, mul: 1.1e-12, nonlinear: 9e-12,
                   weightRead: 1.3e-9 * 8 / 64, stateRead: 20e-12 * 16 / 64, stateWrite: 20e-12 * 16 / 64,
                   recurrentRead: 100e-12 * 16 / 64, recurrentWrite: 100e-12 * 16 / 64,
                   staticWatts: 0, tickSeconds: 1e-3, macSeconds: 1e-9),
        // loihi-like.toml: (23.6 + 3.5) pJ per synaptic op, 81 pJ per neuron update, ARM 0.9 nJ per MAC
        // and per element-wise op, 6 × 0.9 nJ per non-linear op, memory folded in (0), 30 mW static,
        // 10 us ticks, 1 ns per dense MAC.
        HandPrices(profile: "loihi-like", mac: 0.9e-9, ac: (23.6 + 3.5) * 1e-12, neuronUpdate: 81e-12, spike: 0,
                   add: 0.9e-9, mul: 0.9e-9, nonlinear: 6 * 0.9e-9,
                   weightRead: 0, stateRead: 0, stateWrite: 0, recurrentRead: 0, recurrentWrite: 0,
                   staticWatts: 30e-3, tickSeconds: 10e-6, macSeconds: 1e-9),
        // jouppi-7nm-memory.toml: fp32 mult 1.31 pJ (Jouppi et al. 2021) + add 0.32 pJ (0.9 × 1.31/3.7),
        // neuron update 1.31 + 4 × 0.32, non-linear 6 × 1.63; GDDR6 415 pJ / 64 bit; SRAM at half
        // its 45 nm energy (32 KB 10 pJ, 1 MB 50 pJ per 64 bit); 32-bit elements.
        HandPrices(profile: "jouppi-7nm-memory", mac: 1.63e-12, ac: 0.32e-12, neuronUpdate: 2.59e-12, spike: 0,
                   add: 0.32e-12, mul: 1.31e-12, nonlinear: 9.78e-12,
                   weightRead: 415e-12 * 32 / 64, stateRead: 10e-12 * 32 / 64, stateWrite: 10e-12 * 32 / 64,
                   recurrentRead: 50e-12 * 32 / 64, recurrentWrite: 50e-12 * 32 / 64,
                   staticWatts: 0, tickSeconds: 1e-3, macSeconds: 1e-9),
        // spinnaker2-hoppner2019.toml: keras-spiking's spinnaker2 device, 450 pJ per synaptic op and
        // 2.19 nJ per neuron update; ARM 0.9 nJ per MAC and element-wise op, 6 × 0.9 nJ per non-linear
        // op, memory folded in (0), 30 mW static, 1 ms ticks, 1 ns per dense MAC.
        HandPrices(profile: "spinnaker2-hoppner2019", mac: 0.9e-9, ac: 450e-12, neuronUpdate: 2.19e-9, spike: 0,
                   add: 0.9e-9, mul: 0.9e-9, nonlinear: 6 * 0.9e-9,
                   weightRead: 0, stateRead: 0, stateWrite: 0, recurrentRead: 0, recurrentWrite: 0,
                   staticWatts: 30e-3, tickSeconds: 1e-3, macSeconds: 1e-9),
    ]
}

@Suite("Energy model")
struct EnergyModelTests {
    @Test("matches hand-computed joules under every shipped profile", arguments: HandPrices.all)
    func handComputed(hand: HandPrices) throws {
        let report = try EnergyModel.report(profile: try shippedProfile(hand.profile), inputs: TinyRun.inputs)

        // Totals over units, counted by hand from TinyRun: token 0 has 5 spikes (60 ACs), token 1 one
        // spike (12 ACs); both have 148 MACs (100 SSM + 48 lm_head) and read 60 + 48 or 12 + 48 weights.
        let e0 = hand.joules(spikes: 5, acs: 60, updates: 8, macs: 148, adds: 20, muls: 30, nonlinear: 7, weights: 108,
                             stateR: 8, stateW: 8, recR: 64, recW: 64, ticks: 2)
        let e1 = hand.joules(spikes: 1, acs: 12, updates: 8, macs: 148, adds: 20, muls: 30, nonlinear: 7, weights: 60,
                             stateR: 8, stateW: 8, recR: 64, recW: 64, ticks: 2)
        // Dense baseline: in_proj as 48 MACs reading 48 weights, no spikes, no neurons, no ticks.
        let dense = hand.joules(spikes: 0, acs: 0, updates: 0, macs: 196, adds: 20, muls: 30, nonlinear: 7, weights: 96,
                                stateR: 0, stateW: 0, recR: 64, recW: 64, ticks: 0)

        #expect(report.tokenCount == 2 && report.ticksPerToken == 2)
        #expect(isClose(report.joulesPerTokenSeries[0], e0), "\(report.joulesPerTokenSeries[0]) vs \(e0)")
        #expect(isClose(report.joulesPerTokenSeries[1], e1))
        #expect(isClose(report.joulesPerToken, (e0 + e1) / 2))
        #expect(isClose(report.denseBaselineJoulesPerToken, dense))
        #expect(isClose(report.ratio!, dense / ((e0 + e1) / 2)))
        #expect(isClose(report.latencySecondsPerToken, 2 * hand.tickSeconds + 148 * hand.macSeconds))
        #expect(isClose(report.denseBaselineLatencySecondsPerToken, 196 * hand.macSeconds))

        // Per kind and per unit.
        #expect(isClose(report.joulesPerToken(of: .ac), (60 + 12) / 2 * hand.ac))
        // 6 spikes of 4 payload bits over the two tokens.
        #expect(isClose(report.joulesPerToken(of: .spike), (5 + 1) / 2 * (hand.spike + 4 * hand.spikeBit)))
        #expect(isClose(report.joulesPerToken(of: .weights), (108 + 60) / 2 * hand.weightRead))
        #expect(isClose(report.joulesPerToken(of: .staticPower),
                        hand.staticWatts * (2 * hand.tickSeconds + 148 * hand.macSeconds)))
        let inProjWeights = report.breakdown.first { $0.unit == "layer00.mixer.in_proj" && $0.costKind == .weights }
        #expect(isClose(inProjWeights!.joulesPerToken, (60 + 12) / 2 * hand.weightRead))
        let ssmState = report.breakdown.first { $0.unit == "layer00.mixer.ssm" && $0.costKind == .recurrentState }
        #expect(isClose(ssmState!.joulesPerToken, 64 * hand.recurrentRead + 64 * hand.recurrentWrite))
        let denseInProjMAC = report.denseBaselineBreakdown.first {
            $0.unit == "layer00.mixer.in_proj" && $0.costKind == .mac
        }
        #expect(isClose(denseInProjMAC!.joulesPerToken, 48 * hand.mac))

        // The breakdowns add up to the totals.
        #expect(isClose(report.breakdown.map(\.joulesPerToken).reduce(0, +), report.joulesPerToken, relative: 1e-12))
        #expect(isClose(report.denseBaselineBreakdown.map(\.joulesPerToken).reduce(0, +),
                        report.denseBaselineJoulesPerToken, relative: 1e-12))
        #expect(isClose(report.byCostKind.map(\.joulesPerToken).reduce(0, +), report.joulesPerToken))
    }

    @Test("compute-only reproduces E = 4.6 pJ × MACs + 0.9 pJ × ACs exactly")
    func marConvention() throws {
        let profile = try shippedProfile("horowitz-45nm-compute")
        let report = try EnergyModel.report(profile: profile, inputs: TinyRun.inputs)
        let e0: Double = 4.6e-12 * 148 + 0.9e-12 * 60
        let e1: Double = 4.6e-12 * 148 + 0.9e-12 * 12
        let dense: Double = 4.6e-12 * 196
        #expect(report.joulesPerTokenSeries[0] == e0)
        #expect(report.joulesPerTokenSeries[1] == e1)
        #expect(report.joulesPerToken == (e0 + e1) / 2)
        #expect(report.denseBaselineJoulesPerToken == dense)

        // At the scale of DESIGN.md §2 (tiny-llamba-bytes, T = 8): 1.05 M MACs dense, 1.95 M ACs spiking.
        var projection = ActivityCounts()
        projection.synapticOps = 1_950_000
        projection.denseMACs = 31_337
        var denseProjection = ActivityCounts()
        denseProjection.denseMACs = 1_050_000
        let big = try EnergyModel.report(profile: profile, counts: [[projection]],
                                         units: [AccountingUnit(layer: 0, kind: .mlpDownProj)],
                                         denseBaseline: [denseProjection], schedule: TinyRun.schedule)
        let spiking: Double = 4.6e-12 * 31_337 + 0.9e-12 * 1_950_000
        let bigDense: Double = 4.6e-12 * 1_050_000
        #expect(big.joulesPerToken == spiking)
        #expect(big.denseBaselineJoulesPerToken == bigDense)
    }

    @Test("re-costing needs only the counts: saved inputs re-cost under another profile")
    func recost() throws {
        // Save the counts as JSON, as a CLI would, and load them back: no engine, no weights, no trace.
        let saved = try JSONEncoder().encode(TinyRun.inputs)
        let loaded = try JSONDecoder().decode(EnergyInputs.self, from: saved)
        #expect(loaded == TinyRun.inputs)

        let memory = try EnergyModel.report(profile: try shippedProfile("horowitz-45nm-memory"), inputs: loaded)
        let loihi = try EnergyModel.report(profile: try shippedProfile("loihi-like"), inputs: loaded)
        let memoryDirect = try EnergyModel.report(profile: try shippedProfile("horowitz-45nm-memory"),
                                                  inputs: TinyRun.inputs)
        #expect(memory == memoryDirect)
        #expect(memory.profile.name == "horowitz-45nm-memory" && loihi.profile.name == "loihi-like")
        #expect(memory.joulesPerToken != loihi.joulesPerToken)
        // Memory dominates under the memory-aware profile: 108 weight reads at 0.65 nJ each in token 0.
        #expect(memory.joulesPerToken(of: .weights) > memory.joulesPerToken(of: .mac))
    }

    @Test("the report encodes to JSON with the documented keys")
    func json() throws {
        let report = try EnergyModel.report(profile: try shippedProfile("horowitz-45nm-memory"), inputs: TinyRun.inputs)
        let object = try JSONSerialization.jsonObject(with: try report.jsonData()) as! [String: Any]
        for key in ["joules_per_token", "joules_per_token_series", "dense_baseline_joules_per_token", "ratio",
                    "ratio_definition", "breakdown", "dense_baseline_breakdown", "by_cost_kind", "profile", "prices",
                    "latency_seconds_per_token", "dense_baseline_latency_seconds_per_token"] {
            #expect(object[key] != nil, "missing key \(key)")
        }
        #expect((object["joules_per_token"] as? Double) == report.joulesPerToken)
        let profile = object["profile"] as! [String: Any]
        #expect(profile["name"] as? String == "horowitz-45nm-memory")
        let compute = profile["compute"] as! [String: Any]
        let mac = compute["mac"] as! [String: Any]
        #expect(mac["value"] as? String == "4.6 pJ")
        #expect((mac["source"] as? String)?.contains("Horowitz") == true)
        let first = (object["breakdown"] as! [[String: Any]])[0]
        #expect(Set(first.keys).isSuperset(of: ["unit", "cost_kind", "joules_per_token"]))

        let decoded = try JSONDecoder().decode(EnergyReport.self, from: try report.jsonData())
        #expect(decoded.joulesPerToken == report.joulesPerToken)
        #expect(decoded.breakdown == report.breakdown)
    }

    @Test("a run that costs nothing has ratio null, not infinity")
    func zeroRatio() throws {
        let zero = [[ActivityCounts]](repeating: [ActivityCounts()], count: 1)
        let report = try EnergyModel.report(profile: try shippedProfile("horowitz-45nm-compute"), counts: zero,
                                            units: [AccountingUnit(layer: nil, kind: .lmHead)],
                                            denseBaseline: [ActivityCounts()], schedule: TinyRun.schedule)
        #expect(report.ratio == nil)
        let object = try JSONSerialization.jsonObject(with: try report.jsonData()) as! [String: Any]
        #expect(object["ratio"] is NSNull)
    }

    @Test("CSV: one row per series × unit × kind, numbers that read back exactly")
    func csv() throws {
        let report = try EnergyModel.report(profile: try shippedProfile("loihi-like"), inputs: TinyRun.inputs)
        let rows = report.breakdownCSV().split(separator: "\n").map(String.init)
        #expect(rows[0] == EnergyReport.breakdownCSVHeader)
        #expect(rows.count == 1 + 2 * (TinyRun.units.count * CostKind.dynamicKinds.count + 1))
        let staticRow = rows.first { $0.hasPrefix("spiking,chip,") }!.split(separator: ",", omittingEmptySubsequences: false)
        #expect(staticRow[4] == "static")
        #expect(Double(staticRow[6]) == report.joulesPerToken(of: .staticPower))
        let weights = rows.first { $0.hasPrefix("dense,lm_head,,lm_head,memory.weights,") }
        #expect(weights != nil)

        let series = report.tokenSeriesCSV().split(separator: "\n")
        #expect(series.count == 1 + 2 + 2)
        #expect(series[1].hasPrefix("0,\(report.joulesPerTokenSeries[0]),"))
        #expect(EnergyReport.csvField("a,b \"c\"") == "\"a,b \"\"c\"\"\"")
    }

    @Test("counts that do not match the units are rejected")
    func shapes() throws {
        let profile = try shippedProfile("horowitz-45nm-compute")
        #expect(throws: EnergyError.noTokens) {
            try EnergyModel.report(profile: profile, counts: [], units: TinyRun.units,
                                   denseBaseline: TinyRun.denseBaseline, schedule: TinyRun.schedule)
        }
        #expect(throws: EnergyError.tokenShapeMismatch(token: 1, expected: 3, actual: 2)) {
            try EnergyModel.report(profile: profile, counts: [TinyRun.counts[0], Array(TinyRun.counts[1].prefix(2))],
                                   units: TinyRun.units, denseBaseline: TinyRun.denseBaseline, schedule: TinyRun.schedule)
        }
        #expect(throws: EnergyError.baselineShapeMismatch(expected: 3, actual: 1)) {
            try EnergyModel.report(profile: profile, counts: TinyRun.counts, units: TinyRun.units,
                                   denseBaseline: [ActivityCounts()], schedule: TinyRun.schedule)
        }
    }
}
