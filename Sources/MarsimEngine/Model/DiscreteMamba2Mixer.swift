// Reproduces the single-token recurrence of Cartesia's DiscreteMamba2 mixer (Llamba; mixer from
// goombalab/phi-mamba, `DiscreteMamba2.step`; DESIGN.md §3), between in_proj and out_proj.
import Foundation
import MarsimCheckpoint
import MarsimCore

/// The DiscreteMamba2 mixer's work between its two projections, for one token.
///
/// - u: (I) output, the input of out_proj: y·silu(z + z_bias)
/// - xBCzA: (C + I + H) the in_proj output, split as [xBC C, z I, A_log H]; xBC = [x I, B G·N, C G·N]
/// - conv: (C, K) conv window, updated in place (column K−1 newest; identity activation unless
///   `hyper.convSiLU`)
/// - ssm: (H, P, N) state, updated in place
///
/// Per head h (group g = h / (H/G) supplies B and C), with A_log taken from this token's in_proj:
/// ```
/// dt = softplus(A_log[h]);  a = exp(−dt)
/// S[h, p, :] = a·S[h, p, :] + x[h, p]·B[g, :]          (no dt on the input, no dt_bias, A = −1)
/// y[h, p]    = Σ_n C[g, n]·S[h, p, n] + D[h]·x[h, p]
/// u          = y · silu(z + z_bias)                      (no gated norm)
/// ```
/// phi-mamba feeds `x / dt` with step dt to Mamba's selective update, which is the same recurrence.
///
/// Counting (same conventions as `mamba2MixerCore`): the conv as `causalConvStep`, charged to
/// `convUnit`; charged to `ssmUnit`:
/// - dt and decay: 2H non-linear (softplus, exp; the negation is free).
/// - state update: H·P·N multiplies (a·S) and H·P·N MACs (+ x·B); readout: H·P·N MACs (C·S) and
///   H·P MACs (D·x); D's H weights read; recurrent state H·P·N read and H·P·N written.
/// - gate: I adds (z + z_bias, when z_bias exists, with its I weights read), I non-linear (silu),
///   I multiplies (y·silu).
func discreteMamba2MixerCore(u: UnsafeMutablePointer<Float>, xBCzA: UnsafePointer<Float>,
                             conv: UnsafeMutablePointer<Float>, ssm: UnsafeMutablePointer<Float>,
                             weights m: MixerWeights, shape s: ModelShape, hyper: ModelHyperparameters,
                             counts: inout TokenCounts, convUnit: Int, ssmUnit: Int) {
    let I = s.dInner, C = s.convChannels, K = s.convKernel, H = s.heads, P = s.headDim, N = s.dState, G = s.groups
    let xBC = xBCzA, z = xBCzA + C, aLogRaw = xBCzA + C + I

    // Conv: depthwise causal conv over xBC, activation identity (or silu).
    var xBCc = [Float](repeating: 0, count: C)
    causalConvStep(out: &xBCc, window: conv, input: xBC, taps: m.convWeight, bias: m.convBias, channels: C, kernel: K,
                   applySiLU: hyper.convSiLU, counts: &counts, unit: convUnit)

    // Scan: a = exp(−softplus(A_log)), S = a·S + x ⊗ B, y = S·C + D·x.
    let headsPerGroup = H / G
    var y = [Float](repeating: 0, count: I)
    xBCc.withUnsafeBufferPointer { xb in
        let x = xb.baseAddress!, B = x + I, Cm = x + I + G * N
        for h in 0..<H {
            let decay = expf(-softplus(aLogRaw[h]))
            let g = h / headsPerGroup
            let Bg = B + g * N, Cg = Cm + g * N
            for p in 0..<P {
                let xv = x[h * P + p]
                let state = ssm + (h * P + p) * N
                var acc: Float = 0
                for n in 0..<N {
                    state[n] = state[n] * decay + xv * Bg[n]
                    acc += state[n] * Cg[n]
                }
                y[h * P + p] = acc + m.d[h] * xv
            }
        }
    }
    var c = ActivityCounts()
    c.denseMACs = 2 * H * P * N + H * P
    c.elementwiseMuls = H * P * N
    c.elementwiseNonlinear = 2 * H
    c.weightsRead = H
    c.recurrentStateRead = H * P * N
    c.recurrentStateWritten = H * P * N

    // Gate: u = y · silu(z + z_bias) (z_bias is absent, i.e. 0, when the projections have biases).
    if let zBias = m.zBias {
        for i in 0..<I { u[i] = y[i] * silu(z[i] + zBias[i]) }
        c.elementwiseAdds += I
        c.weightsRead += I
    } else {
        for i in 0..<I { u[i] = y[i] * silu(z[i]) }
    }
    c.elementwiseNonlinear += I
    c.elementwiseMuls += I
    counts.counts[ssmUnit] += c
}
