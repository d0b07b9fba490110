import Foundation
import MarsimCore
import Testing
@testable import MarsimEnergy

/// A compute-only profile (fp32 MAC 4.6 pJ, AC 0.9 pJ, everything else 0) with `extra` edits, so
/// every joule below is a MAC or an AC count times a Horowitz figure, computable by hand.
func computeOnlyProfile(neuronUpdate: String = "0 pJ", acLine: String = "ac = { value = \"0.9 pJ\", source = \"Horowitz\" }") throws -> HardwareProfile {
    let zeroed = validProfileTOML
        .replacingOccurrences(of: "ac = { value = \"0.9 pJ\", source = \"Horowitz\" }", with: acLine)
        .replacingOccurrences(of: "neuron_update = { value = \"0 pJ\"", with: "neuron_update = { value = \"\(neuronUpdate)\"")
        .replacingOccurrences(of: "add = { value = \"0.9 pJ\"", with: "add = { value = \"0 pJ\"")
        .replacingOccurrences(of: "mul = { value = \"3.7 pJ\"", with: "mul = { value = \"0 pJ\"")
        .replacingOccurrences(of: "nonlinear = { value = \"27.6 pJ\"", with: "nonlinear = { value = \"0 pJ\"")
        .replacingOccurrences(of: "\"10 pJ\"", with: "\"0 pJ\"")
        .replacingOccurrences(of: "\"1.3 nJ\"", with: "\"0 pJ\"")
        .replacingOccurrences(of: "\"15 mW\"", with: "\"0 W\"")
    return try HardwareProfile.parse(toml: zeroed, file: "compute-only.toml")
}

/// TinyRun's counts with `events` events per token at its spiking site (all positive).
func tinyInputs(events: Int) -> EnergyInputs {
    let row = [TinyRun.spikingProjection(positive: events, negative: 0), TinyRun.ssm, TinyRun.denseProjection]
    return EnergyInputs(counts: [row, row], units: TinyRun.units, denseBaseline: TinyRun.denseBaseline, schedule: TinyRun.schedule)
}

@Suite("Fair baselines and break-even firing rates")
struct FairBaselineTests {
    @Test("activation bits are ⌈log2(T + 1)⌉")
    func activationBits() {
        let expected = [1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 7: 3, 8: 4, 10: 4, 15: 4, 16: 5, 255: 8]
        for (t, bits) in expected { #expect(QuantizedBaseline.activationBits(timesteps: t) == bits, "T = \(t)") }
        #expect(QuantizedBaseline.macScale(activationBits: 3, weightBits: 32) == 3.0 / 32)
        #expect(QuantizedBaseline.macScale(activationBits: 3, weightBits: 8) == 3.0 / 8)
        #expect(QuantizedBaseline.macScale(activationBits: 9, weightBits: 8) == 1, "never above the profile's own MAC")
    }

    /// TinyRun under the compute-only profile, by hand. Per token: site 18 ACs (TinyRun's tokens
    /// have 5 and 1 events × 12 = 72 ACs over 2 tokens → 36 ACs per token), SSM 100 MACs, lm_head 48 MACs.
    ///   run   = 36 × 0.9 + 148 × 4.6 = 32.4 + 680.8 = 713.2 pJ
    ///   dense = (48 + 100 + 48) × 4.6 = 901.6 pJ
    ///   quantised (T = 2 → 2-bit activations, 32-bit weights, scale 2/32): the site's 48 MACs at
    ///   4.6/16 pJ: 901.6 − 48 × 4.6 × 15/16 = 901.6 − 207 = 694.6 pJ
    ///   site: rate 6 ÷ 16 = 0.375; one event = 12 ACs = 10.8 pJ; slope = 10.8 × 8 updates = 86.4 pJ;
    ///   intercept 32.4 − 86.4 × 0.375 = 0; break-even vs dense 220.8 / 86.4 = 4.6 / (0.9 × 2)
    ///   = 2.5556 (above 1: the site pays at any rate), vs quantised 13.8 / 86.4 = 0.159722…
    @Test("compute-only profile: quantised baseline and break-even rates by hand")
    func computeOnlyByHand() throws {
        let r = try EnergyModel.report(profile: try computeOnlyProfile(), inputs: TinyRun.inputs)
        #expect(isClose(r.joulesPerToken, 713.2e-12, relative: 1e-12))
        #expect(isClose(r.denseBaselineJoulesPerToken, 901.6e-12, relative: 1e-12))
        #expect(r.quantizedActivationBits == 2)
        #expect(r.quantizedMACScale == 1.0 / 16)
        #expect(isClose(r.quantizedBaselineJoulesPerToken, 694.6e-12, relative: 1e-12))
        #expect(isClose(r.quantizedRatio!, 694.6 / 713.2, relative: 1e-12))
        #expect(r.firingRate == 0.375)
        let sites = r.siteBreakEvens
        #expect(sites.map(\.unit) == ["layer00.mixer.in_proj"])
        let site = sites[0].breakEven
        #expect(site.firingRate == 0.375)
        #expect(isClose(site.dense!, 4.6 / (0.9 * 2), relative: 1e-12))
        #expect(isClose(site.quantized!, 4.6 / 16 / (0.9 * 2), relative: 1e-12))
        #expect(isClose(site.quantized!, 0.159722222222, relative: 1e-9))
        // One site: the whole model crosses where the site does (everything else is equal in both).
        #expect(isClose(r.breakEvenFiringRate!, 4.6 / 1.8, relative: 1e-12))
        #expect(isClose(r.quantizedBreakEvenFiringRate!, 4.6 / 16 / 1.8, relative: 1e-12))
    }

    /// The same affine rule, checked through the model itself: cost the run at two firing rates
    /// (6 and 12 events per token over 8 neuron updates) under the memory-aware test profile (static
    /// power, membranes, bias-less weight reads), draw the line through them, and intersect it with
    /// the dense baseline. The report's break-even rate must lie on that intersection.
    @Test("the break-even rate is where the model's own cost line meets the baseline")
    func lineThroughTwoRuns() throws {
        let profile = try HardwareProfile.parse(toml: validProfileTOML, file: "t.toml")
        let low = try EnergyModel.report(profile: profile, inputs: tinyInputs(events: 3))
        let high = try EnergyModel.report(profile: profile, inputs: tinyInputs(events: 6))
        #expect(low.firingRate == 6.0 / 16 && high.firingRate == 12.0 / 16)
        let slope = (high.joulesPerToken - low.joulesPerToken) / (high.firingRate! - low.firingRate!)
        func crossing(_ target: Double) -> Double { low.firingRate! + (target - low.joulesPerToken) / slope }
        #expect(isClose(low.breakEvenFiringRate!, crossing(low.denseBaselineJoulesPerToken), relative: 1e-9))
        #expect(isClose(high.breakEvenFiringRate!, low.breakEvenFiringRate!, relative: 1e-9))
        #expect(isClose(low.quantizedBreakEvenFiringRate!, crossing(low.quantizedBaselineJoulesPerToken), relative: 1e-9))
        // Per site, against the site's own dense joules (dynamic only).
        let siteLow = low.breakdown.filter { $0.unit == "layer00.mixer.in_proj" }.reduce(0) { $0 + $1.joulesPerToken }
        let siteHigh = high.breakdown.filter { $0.unit == "layer00.mixer.in_proj" }.reduce(0) { $0 + $1.joulesPerToken }
        let siteDense = low.denseBaselineBreakdown.filter { $0.unit == "layer00.mixer.in_proj" }.reduce(0) { $0 + $1.joulesPerToken }
        let siteSlope = (siteHigh - siteLow) / (12.0 / 16 - 6.0 / 16)
        let expected = 6.0 / 16 + (siteDense - siteLow) / siteSlope
        #expect(isClose(low.siteBreakEvens[0].breakEven.dense!, expected, relative: 1e-9))
    }

    /// neuron_update = 100 pJ: the site's 8 updates per token cost 800 pJ before any spike, more
    /// than its 48 dense MACs (220.8 pJ): spiking never pays, so every break-even rate is nil.
    @Test("spiking that never pays has no break-even rate")
    func neverPays() throws {
        let r = try EnergyModel.report(profile: try computeOnlyProfile(neuronUpdate: "100 pJ"), inputs: TinyRun.inputs)
        #expect(isClose(r.joulesPerToken, 1513.2e-12, relative: 1e-12))
        #expect(r.breakEvenFiringRate == nil && r.quantizedBreakEvenFiringRate == nil)
        #expect(r.siteBreakEvens[0].breakEven.dense == nil && r.siteBreakEvens[0].breakEven.quantized == nil)
        let json = try JSONSerialization.jsonObject(with: r.jsonData()) as! [String: Any]
        #expect(json["break_even_firing_rate"] is NSNull, "null, not absent")
    }

    /// A site that never fired: one event is priced from the dense baseline's shape (fan-in =
    /// 16 updates ÷ 2 tokens ÷ T 2 = 4, fan-out = 48 MACs ÷ 4 = 12), so the rate is still 4.6 / 1.8.
    @Test("a silent site's break-even comes from its shape")
    func silentSite() throws {
        let r = try EnergyModel.report(profile: try computeOnlyProfile(), inputs: tinyInputs(events: 0))
        #expect(r.firingRate == 0)
        #expect(isClose(r.siteBreakEvens[0].breakEven.dense!, 4.6 / 1.8, relative: 1e-12))
        #expect(isClose(r.breakEvenFiringRate!, 4.6 / 1.8, relative: 1e-12))
    }

    @Test("a dense run's quantised baseline is its dense baseline and it has no rates")
    func denseRun() throws {
        let inputs = EnergyInputs(counts: [TinyRun.denseBaseline], units: TinyRun.units, denseBaseline: TinyRun.denseBaseline,
                                  schedule: TickSchedule(sitesPerToken: 0, timesteps: 4, tickPeriodMs: 1))
        let r = try EnergyModel.report(profile: try computeOnlyProfile(), inputs: inputs)
        #expect(r.quantizedBaselineJoulesPerToken == r.denseBaselineJoulesPerToken)
        #expect(r.firingRate == nil && r.breakEvenFiringRate == nil && r.siteBreakEvens.isEmpty)
    }

    @Test("JSON carries the contract keys; break_even only on spiking sites")
    func jsonKeys() throws {
        let r = try EnergyModel.report(profile: try computeOnlyProfile(), inputs: TinyRun.inputs)
        let json = try JSONSerialization.jsonObject(with: r.jsonData()) as! [String: Any]
        #expect((json["quantized_baseline_joules_per_token"] as! Double) == r.quantizedBaselineJoulesPerToken)
        #expect((json["break_even_firing_rate"] as? Double) == r.breakEvenFiringRate)
        #expect((json["joules_per_token_interval"] as! [Double]) == [r.joulesPerToken, r.joulesPerToken])
        let breakdown = json["breakdown"] as! [[String: Any]]
        for entry in breakdown {
            let isSite = entry["unit"] as! String == "layer00.mixer.in_proj"
            #expect((entry["break_even"] != nil) == isSite, "\(entry["unit"]!)")
        }
        let site = breakdown.first { $0["unit"] as! String == "layer00.mixer.in_proj" }!["break_even"] as! [String: Any]
        #expect(site["firing_rate"] as! Double == 0.375)
        #expect(site["quantized"] as! Double == r.siteBreakEvens[0].breakEven.quantized)
        // Decodes back (whatif's rows.json round trip).
        let decoded = try JSONDecoder().decode(EnergyReport.self, from: r.jsonData())
        #expect(decoded == r)
    }
}
