import Foundation
import MarsimCore

/// The fair dense baseline the SNN-energy critiques ask for (Yan et al., arXiv 2409.08290): the same
/// model run dense, with the inputs of the projections the run makes spiking quantised to as many
/// bits as a neuron's spike count needs, `b_a = ⌈log2(T + 1)⌉` (T ticks carry at most T spikes, so
/// T + 1 levels), and weights at the profile's `precision.weight_bits` `b_w`.
///
/// **MAC energy rule.** A multiplier's energy grows with the product of its operand widths (an
/// array multiplier has b_a × b_w partial-product cells): Horowitz (ISSCC 2014, 45 nm) lists int8
/// mult 0.2 pJ and int32 mult 3.1 pJ, a ratio of 15.5 against (32/8)² = 16. The profile's MAC price
/// is taken to be a b_w × b_w MAC, so a b_a × b_w MAC costs
///
///     E_mac_q = E_mac × min(1, b_a ÷ b_w)
///
/// applied to the whole MAC (multiplier and adder). Scaling the adder too is generous to the dense
/// side (an accumulator does not shrink with the activations), so a spiking run that beats this
/// baseline beats the real one. Memory is unchanged (weights keep their bits), as are every other
/// count and the latency; only the MACs of the run's spiking sites are re-priced.
public enum QuantizedBaseline {
    /// `⌈log2(T + 1)⌉`: the smallest b with 2^b ≥ T + 1 (T = 1 → 1, 2 → 2, 4 → 3, 8 → 4, 16 → 5).
    public static func activationBits(timesteps: Int) -> Int {
        var bits = 0
        while (1 << bits) < timesteps + 1 { bits += 1 }
        return bits
    }

    /// `min(1, b_a ÷ b_w)`: the factor on the profile's MAC price for a quantised-activation MAC.
    public static func macScale(activationBits: Int, weightBits: Double) -> Double {
        guard weightBits > 0 else { return 1 }
        return min(1, Double(activationBits) / weightBits)
    }

    /// J per token the quantised baseline saves on unit `denseUnit` against the dense baseline:
    /// `denseMACs × E_mac × (1 − scale)` for a spiking site, 0 elsewhere.
    static func saving(denseUnit: ActivityCounts, isSite: Bool, scale: Double, prices: CostTable) -> Double {
        guard isSite else { return 0 }
        return Double(denseUnit.denseMACs) * prices[.compute("mac")] * (1 - scale)
    }
}
