// Reproduces the single-token recurrence of Cartesia's DiscreteMamba2 mixer (Llamba; mixer from
// goombalab/phi-mamba, `DiscreteMamba2.step`; DESIGN.md §3), between in_proj and out_proj.
import Foundation
import MarsimCheckpoint
import MarsimCore

/// The DiscreteMamba2 mixer's work between its two projections, for `n` consecutive tokens (a chunk
/// of 1 is the decode step; results do not depend on the chunking nor on `threads`).
///
/// - u: (n, I) output, the input of out_proj: y·silu(z + z_bias)
/// - xBCzA: (n, rows) the in_proj output, each row (C + I + H) split as [xBC C, z I, A_log H]; xBC = [x I, B G·N, C G·N]
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
func discreteMamba2MixerChunk(u: UnsafeMutablePointer<Float>, xBCzA: UnsafePointer<Float>, rows: Int, tokens n: Int,
                              conv: UnsafeMutablePointer<Float>, ssm: UnsafeMutablePointer<Float>,
                              weights m: MixerWeights, shape s: ModelShape, hyper: ModelHyperparameters,
                              counts: UnsafeMutablePointer<TokenCounts>, convUnit: Int, ssmUnit: Int, threads: Int) {
    let I = s.dInner, C = s.convChannels, H = s.heads, P = s.headDim, N = s.dState, G = s.groups

    // Conv: depthwise causal conv over xBC, activation identity (or silu); channels split over the workers.
    let xBCc = UnsafeMutablePointer<Float>.allocate(capacity: n * C)
    let y = UnsafeMutablePointer<Float>.allocate(capacity: n * I)
    defer { xBCc.deallocate(); y.deallocate() }
    causalConvChunk(out: xBCc, window: conv, input: xBCzA, rows: rows, tokens: n, weights: m, shape: s,
                    applySiLU: hyper.convSiLU, counts: counts, unit: convUnit, threads: threads)

    // Scan: a = exp(−softplus(A_log)), S = a·S + x ⊗ B, y = S·C + D·x.
    let headsPerGroup = H / G, d = m.d
    // Head-major: one head's state (P·N floats) stays in the core's cache for all n tokens.
    forEachRange(of: H, work: n * H * P * N, threads: threads) { heads in
        for h in heads {
            let g = h / headsPerGroup
            for t in 0..<n {
                let x = xBCc + t * C, B = x + I, Cm = x + I + G * N, aLogRaw = xBCzA + t * rows + C + I
                let decay = expf(-softplus(aLogRaw[h]))
                scanHead(state: ssm + h * P * N, x: x + h * P, B: B + g * N, C: Cm + g * N, decay: decay, inputScale: 1,
                         d: d[h], P: P, N: N, y: y + t * I + h * P)
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
    let zBias = m.zBias
    forEachRange(of: n, work: n * I * 4, threads: threads) { tokens in
        for t in tokens {
            let z = xBCzA + t * rows + C, yt = y + t * I, ut = u + t * I
            if let zBias {
                for i in 0..<I { ut[i] = yt[i] * silu(z[i] + zBias[i]) }
            } else {
                for i in 0..<I { ut[i] = yt[i] * silu(z[i]) }
            }
        }
    }
    if m.zBias != nil {
        c.elementwiseAdds += I
        c.weightsRead += I
    }
    c.elementwiseNonlinear += I
    c.elementwiseMuls += I
    for t in 0..<n { counts[t].counts[ssmUnit] += c }
}
