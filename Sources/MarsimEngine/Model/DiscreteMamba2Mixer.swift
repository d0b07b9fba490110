// Reproduces the single-token recurrence of Cartesia's DiscreteMamba2 mixer (Llamba; mixer from
// goombalab/phi-mamba; DESIGN.md §3), between in_proj and out_proj.
import Foundation
import MarsimCheckpoint
import MarsimCore

/// The DiscreteMamba2 mixer's work between its two projections, for one token.
///
/// - u: (I) output, the input of out_proj: y·silu(z + z_bias)
/// - xBCzA: the in_proj output, split as [xBC C, z I, A_log H]
/// - conv: (C, K) conv window, updated in place (identity activation)
/// - ssm: (H, P, N) state: S = exp(−softplus(A_log))·S + B⊗x; y = C·S + D·x
func discreteMamba2MixerCore(u: UnsafeMutablePointer<Float>, xBCzA: UnsafePointer<Float>,
                             conv: UnsafeMutablePointer<Float>, ssm: UnsafeMutablePointer<Float>,
                             weights m: MixerWeights, shape s: ModelShape, hyper: ModelHyperparameters,
                             counts: inout TokenCounts, convUnit: Int, ssmUnit: Int) {
    fatalError("DiscreteMamba2 mixer not implemented yet")
}
