import MarsimCore

/// Energy per token for the two ways a model meets tokens: **decode**, one token at a time, every
/// weight fetched for every token; and **prefill**, known tokens run together in chunks, each
/// weight fetched once per chunk (DESIGN.md "Prefill and decode").
///
/// Decode is what `EnergyReport` costs (every token's `weightsRead`). Prefill re-costs the tokens
/// that ran in chunks of more than one with their shared reads (`EnergyInputs.sharedWeightReads`)
/// in place of `weightsRead`; its dense baseline is the dense token with every weight except its
/// embedding row read once per chunk (÷ the mean chunk length). Only memory energy differs between
/// the two (compute is the same per token), so the gap is exactly the price of re-fetching weights.
public struct PhaseEnergy: Sendable, Equatable, Codable {
    /// One phase: the run and its dense baseline, per token.
    public struct Phase: Sendable, Equatable, Codable {
        public var tokens: Int
        /// Mean tokens per chunk (1 for decode).
        public var meanChunkLength: Double
        public var joulesPerToken: Double
        public var denseBaselineJoulesPerToken: Double
        /// Weight-memory energy per token (the part that differs between phases).
        public var weightMemoryJoulesPerToken: Double
        /// dense ÷ run (> 1: spiking saves energy); nil when the run costs 0 J.
        public var ratio: Double?

        enum CodingKeys: String, CodingKey {
            case tokens, meanChunkLength = "mean_chunk_length", joulesPerToken = "joules_per_token"
            case denseBaselineJoulesPerToken = "dense_baseline_joules_per_token"
            case weightMemoryJoulesPerToken = "weight_memory_joules_per_token", ratio
        }
    }

    /// Every token costed as if run alone.
    public var decode: Phase
    /// The tokens that ran in chunks of more than one, with shared weight reads; nil when there are
    /// none or the trace does not record them (format 1.0).
    public var prefill: Phase?
}

extension EnergyModel {
    /// Decode and prefill energy per token of `inputs` under `profile` (see `PhaseEnergy`).
    public static func phases(profile: HardwareProfile, inputs: EnergyInputs) throws -> PhaseEnergy {
        // Decode: every token alone, whatever the profile's weight reuse says about chunks.
        let decodeReport = try report(profile: profile, counts: inputs.counts, units: inputs.units,
                                      denseBaseline: inputs.denseBaseline, schedule: inputs.schedule)
        let decode = PhaseEnergy.Phase(tokens: decodeReport.tokenCount, meanChunkLength: 1,
                                       joulesPerToken: decodeReport.joulesPerToken,
                                       denseBaselineJoulesPerToken: decodeReport.denseBaselineJoulesPerToken,
                                       weightMemoryJoulesPerToken: decodeReport.joulesPerToken(of: .weights),
                                       ratio: decodeReport.ratio)
        guard let lengths = inputs.chunkLengths, let shared = inputs.sharedWeightReads,
              lengths.count == inputs.counts.count, shared.count == inputs.counts.count else {
            return PhaseEnergy(decode: decode, prefill: nil)
        }
        let chunked = inputs.counts.indices.filter { lengths[$0] > 1 }
        guard !chunked.isEmpty else { return PhaseEnergy(decode: decode, prefill: nil) }
        let (counts, denseBaseline, meanLength) = try WeightReuseRule.sharing(inputs, lengths: lengths, shared: shared, tokens: chunked)
        let prefillReport = try report(profile: profile, counts: counts, units: inputs.units, denseBaseline: denseBaseline,
                                       schedule: inputs.schedule)
        let prefill = PhaseEnergy.Phase(tokens: chunked.count, meanChunkLength: meanLength,
                                        joulesPerToken: prefillReport.joulesPerToken,
                                        denseBaselineJoulesPerToken: prefillReport.denseBaselineJoulesPerToken,
                                        weightMemoryJoulesPerToken: prefillReport.joulesPerToken(of: .weights),
                                        ratio: prefillReport.ratio)
        return PhaseEnergy(decode: decode, prefill: prefill)
    }
}
