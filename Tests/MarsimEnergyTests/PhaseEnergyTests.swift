import Foundation
import MarsimCore
import Testing
@testable import MarsimEnergy

/// Prefill vs decode: only weight-memory energy differs, by hand.
@Suite("Prefill and decode energy")
struct PhaseEnergyTests {
    /// TinyRun's two tokens, run as one chunk of 2: the spiking site's columns of the channels that
    /// fired (4 distinct channels over both tokens → 4 × 12) plus nothing else once, split 24/24; the
    /// dense lm_head's 48 weights once (24 + 24).
    static let shared: [[Int]] = [[24, 0, 24], [24, 0, 24]]

    @Test("decode is the report; prefill re-costs weight memory with shared reads; dense prefill ÷ chunk length")
    func handComputed() throws {
        let profile = try shippedProfile("horowitz-45nm-memory")
        var inputs = TinyRun.inputs
        inputs.chunkLengths = [2, 2]
        inputs.sharedWeightReads = Self.shared
        let phases = try EnergyModel.phases(profile: profile, inputs: inputs)
        let report = try EnergyModel.report(profile: profile, inputs: TinyRun.inputs)
        #expect(phases.decode.joulesPerToken == report.joulesPerToken)
        #expect(phases.decode.denseBaselineJoulesPerToken == report.denseBaselineJoulesPerToken)
        let prefill = try #require(phases.prefill)
        #expect(prefill.tokens == 2 && prefill.meanChunkLength == 2)

        // Per token, decode reads (5·12 + 48, 1·12 + 48) weights: mean 84; prefill reads 48 per token.
        let perWeight = report.joulesPerToken(of: .weights) / 84
        #expect(abs(prefill.weightMemoryJoulesPerToken - 48 * perWeight) <= 1e-12 * perWeight * 48)
        let saved = report.joulesPerToken - prefill.joulesPerToken
        #expect(abs(saved - (84 - 48) * perWeight) <= 1e-9 * report.joulesPerToken)
        // The dense baseline (48 + 0 + 48 weights) reads each weight once per chunk of 2: 48 per token.
        let denseSaved = report.denseBaselineJoulesPerToken - prefill.denseBaselineJoulesPerToken
        #expect(abs(denseSaved - 48 * perWeight) <= 1e-9 * report.denseBaselineJoulesPerToken)
    }

    @Test("no prefill without chunk lengths (format 1.0 traces) or when every token ran alone")
    func noPrefill() throws {
        let profile = try shippedProfile("horowitz-45nm-memory")
        #expect(try EnergyModel.phases(profile: profile, inputs: TinyRun.inputs).prefill == nil)
        var alone = TinyRun.inputs
        alone.chunkLengths = [1, 1]
        alone.sharedWeightReads = TinyRun.counts.map { $0.map(\.weightsRead) }
        #expect(try EnergyModel.phases(profile: profile, inputs: alone).prefill == nil)
    }
}
