import Foundation
import MarsimCore
import Testing
@testable import MarsimEnergy

/// Figures other people published, reproduced from their inputs through marsim's own model, so the
/// model cannot drift from them unnoticed.
@Suite("Published figures")
struct PublishedFiguresTests {
    /// One unit's counts costed as one token with no ticks (no latency, so no static energy).
    func cost(_ profile: HardwareProfile, _ counts: ActivityCounts) throws -> Double {
        let unit = AccountingUnit(layer: 0, kind: .mixerInProj)
        let inputs = EnergyInputs(counts: [[counts]], units: [unit], denseBaseline: [counts],
                                  schedule: TickSchedule(sitesPerToken: 0, timesteps: 1, tickPeriodMs: 1))
        return try EnergyModel.report(profile: profile, inputs: inputs).joulesPerToken
    }

    /// A profile that charges `synop` per AC and per MAC and `neuron` per neuron update, nothing else:
    /// keras-spiking's device model (energy = E_synop × synops + E_neuron × neuron updates).
    func device(synop: String, neuron: String) throws -> HardwareProfile {
        try computeOnlyProfile(neuronUpdate: neuron, acLine: "ac = { value = \"\(synop)\", source = \"keras-spiking\" }")
            .with { $0.compute.entries["mac"] = ProfileEntry(quantity: try Quantity.parse(synop, as: .energy), source: "keras-spiking") }
    }

    /// keras-spiking's documented ModelEnergy example (nengo/keras-spiking, keras_spiking/model_energy.py
    /// docstring): Dense(784 → 128, relu) has 784 × 128 = 100,352 connections and 128 neurons; on
    /// "cpu" (8.6 nJ per synop and per neuron update, Degnan et al. 2015) the summary prints
    /// `8.64e-04` J/inference (8.6e-9 × 100,480 = 8.64128e-4), and on the registered "my-cpu"
    /// (1e-10 J per synop, 2e-9 J per neuron) `1.03e-05` (1.00352e-5 + 2.56e-7 = 1.02912e-5).
    /// Non-spiking devices run the layer once per inference: 100,352 MACs + 128 neuron updates.
    @Test("keras-spiking's documented Dense(784 → 128) example: 8.64e-04 J (cpu), 1.03e-05 J (my-cpu)")
    func kerasSpikingDocumentedExample() throws {
        var layer = ActivityCounts()
        layer.denseMACs = 784 * 128
        layer.neuronUpdates = 128
        let cpu = try cost(try device(synop: "8.6 nJ", neuron: "8.6 nJ"), layer)
        #expect(isClose(cpu, 8.64128e-4))
        #expect(String(format: "%.2e", cpu) == "8.64e-04")
        let myCPU = try cost(try device(synop: "0.1 nJ", neuron: "2 nJ"), layer)
        #expect(isClose(myCPU, 1.02912e-5))
        #expect(String(format: "%.2e", myCPU) == "1.03e-05")
    }

    /// keras-spiking's spiking devices, by its formula: synop energy = E_synop × connections × input
    /// rate × dt × timesteps, neuron energy = E_neuron × neurons × timesteps. The same layer at 100 Hz
    /// input, dt 1 ms, 10 timesteps: 100,352 × 0.1 × 10 = 100,352 synops, 128 × 10 = 1,280 updates.
    ///   loihi:      (23.6 + 3.5) pJ × 100,352 + 81 pJ × 1,280 = 2.7195392 µJ + 0.10368 µJ = 2.8232192 µJ
    ///   spinnaker2: 450 pJ × 100,352 + 2.19 nJ × 1,280 = 45.1584 µJ + 2.8032 µJ = 47.9616 µJ
    /// marsim's shipped loihi-like and spinnaker2-hoppner2019 carry those device figures; the counts
    /// (ACs = synops, neuron updates) with no latency give exactly keras-spiking's numbers.
    @Test("keras-spiking's loihi and spinnaker2 devices through the shipped profiles")
    func kerasSpikingDevices() throws {
        var layer = ActivityCounts()
        layer.synapticOps = 100_352
        layer.neuronUpdates = 1_280
        #expect(isClose(try cost(try shippedProfile("loihi-like"), layer), 2.8232192e-6))
        #expect(isClose(try cost(try shippedProfile("spinnaker2-hoppner2019"), layer), 47.9616e-6))
    }

    /// Yan et al. (arXiv 2409.08290) compare an SNN with T ticks against a QNN whose activations
    /// have ⌈log2(T + 1)⌉ bits (T = 5 → 3 bit, T = 10 → 4 bit; `QuantizedBaseline`) and find spiking
    /// pays only below ~6.4% firing at T = 5–10 "under typical neuromorphic hardware conditions".
    /// Their hardware parameters (memory hierarchy, network-on-chip) are not restated here, so this
    /// test does not claim their 6.4%: it pins marsim's break-even for one layer under Horowitz's
    /// int8 figures (horowitz-45nm-int8: MAC 0.23 pJ, AC 0.03 pJ, 8-bit weights in DRAM at
    /// 1.3 nJ / 64 bit = 162.5 pJ each, 16-bit membranes in SRAM at 20 pJ / 64 bit = 5 pJ per read or
    /// write, neuron update 0.4 pJ), computed by hand. Layer: fan-in n = 4, fan-out m = 12; per event
    /// one weight column (m ACs, m weight reads); per token n × T updates, reads and writes.
    ///
    ///     r* = (m (E_mac × b_a/8 + E_w) − T (E_nu + 2 E_st)) ÷ (T m (E_ac + E_w))
    ///     T = 5:  (12 × (0.23 × 3/8 + 162.5) − 5 × 10.4) ÷ (60 × 162.53)  = 1899.035 ÷ 9751.8  = 19.47%
    ///     T = 10: (12 × (0.23 × 4/8 + 162.5) − 10 × 10.4) ÷ (120 × 162.53) = 1847.38 ÷ 19503.6 = 9.47%
    ///
    /// The difference from 6.4%, stated as far as it can be without their parameter table: with
    /// weights re-fetched from DRAM per event (marsim's per-event accounting) and no other movement,
    /// r* tends to 1/T (the QNN reads each weight once per token, the SNN once per event) less the
    /// membrane traffic: 19.5% and 9.5% here. Their model also moves activations (sparse and dense)
    /// and spikes over a network-on-chip (their abstract lists both), terms this layer does not
    /// have; each adds to the SNN's per-event cost and moves r* down. Reproducing their 6.4% needs
    /// those parameters (not available to this build); this test pins marsim's side so the model
    /// cannot drift from the hand formula.
    @Test("Yan et al.'s fair baseline: break-even rates for one int8 layer at T = 5 and T = 10, by hand")
    func yanBreakEven() throws {
        let profile = try shippedProfile("horowitz-45nm-int8")
        let (n, m) = (4, 12)
        let (eMAC, eAC, eW, eNU, eST) = (0.23e-12, 0.03e-12, 1.3e-9 * 8 / 64, 0.4e-12, 20e-12 * 16 / 64)
        for (T, bits, expected) in [(5, 3, 0.194736), (10, 4, 0.094720)] {
            var site = ActivityCounts()
            site.spikesPositive = n * T / 4                     // 25% firing, any rate will do
            site.synapticOps = site.spikesPositive * m
            site.weightsRead = site.spikesPositive * m
            site.neuronUpdates = n * T
            site.neuronStateRead = n * T
            site.neuronStateWritten = n * T
            var dense = ActivityCounts()
            dense.denseMACs = n * m
            dense.weightsRead = n * m
            let unit = AccountingUnit(layer: 0, kind: .mixerInProj)
            let r = try EnergyModel.report(profile: profile, counts: [[site]], units: [unit], denseBaseline: [dense],
                                           schedule: TickSchedule(sitesPerToken: 1, timesteps: T, tickPeriodMs: 1))
            #expect(r.quantizedActivationBits == bits)
            let s = Double(bits) / 8
            let hand = (Double(m) * (eMAC * s + eW) - Double(T) * (eNU + 2 * eST)) / (Double(T * m) * (eAC + eW))
            let siteRate = try #require(r.siteBreakEvens.first?.breakEven.quantized)
            #expect(isClose(siteRate, hand, relative: 1e-9), "T = \(T): \(siteRate) vs \(hand)")
            #expect(abs(siteRate - expected) < 1e-6, "T = \(T)")
            #expect(siteRate < 1 / Double(T))
        }
    }
}

extension HardwareProfile {
    /// A copy with `change` applied (test helper).
    func with(_ change: (inout HardwareProfile) throws -> Void) rethrows -> HardwareProfile {
        var copy = self
        try change(&copy)
        return copy
    }
}
