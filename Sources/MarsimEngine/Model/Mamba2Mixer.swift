// Reproduces the single-token decode step of transformers' Mamba2Mixer / BambaMixer
// (torch_forward with cached states; DESIGN.md §3 steps 2–6), between in_proj and out_proj.
import Foundation
import MarsimCheckpoint
import MarsimCore

/// The Mamba-2 mixer's work between its two projections, for one token.
///
/// - u: (I) output, the input of out_proj
/// - zxbcdt: (2I + 2GN + H) the in_proj output, split as [z I, xBC C, dt H]
/// - conv: (C, K) conv window of this layer, updated in place
/// - ssm: (H, P, N) SSM state of this layer, updated in place
func mamba2MixerCore(u: UnsafeMutablePointer<Float>, zxbcdt: UnsafePointer<Float>,
                     conv: UnsafeMutablePointer<Float>, ssm: UnsafeMutablePointer<Float>,
                     weights m: MixerWeights, shape s: ModelShape, hyper: ModelHyperparameters,
                     counts: inout TokenCounts, convUnit: Int, ssmUnit: Int) {
    let I = s.dInner, C = s.convChannels, K = s.convKernel, H = s.heads, P = s.headDim, N = s.dState, G = s.groups
    let z = zxbcdt, xBC = zxbcdt + I, dtRaw = zxbcdt + I + C

    // Conv: depthwise causal conv over xBC, then silu.
    var xBCc = [Float](repeating: 0, count: C)
    causalConvStep(out: &xBCc, window: conv, input: xBC, taps: m.convWeight, bias: m.convBias, channels: C, kernel: K,
                   applySiLU: hyper.convSiLU, counts: &counts, unit: convUnit)

    // Scan: dt = clamp(softplus(dt + dt_bias)), dA = exp(dt·A), S = S·dA + dt·x ⊗ B, y = S·C + D·x.
    let dtBias = m.dtBias!, aLog = m.aLog!
    let headsPerGroup = H / G
    var y = [Float](repeating: 0, count: I)
    xBCc.withUnsafeBufferPointer { xb in
        let x = xb.baseAddress!, B = x + I, Cm = x + I + G * N
        for h in 0..<H {
            var dt = softplus(dtRaw[h] + dtBias[h])
            dt = min(max(dt, hyper.timeStepLimit.0), hyper.timeStepLimit.1)
            let a = -expf(aLog[h])
            let dA = expf(dt * a)
            let g = h / headsPerGroup
            for p in 0..<P {
                let xv = x[h * P + p]
                let dtx = dt * xv
                let state = ssm + (h * P + p) * N
                var acc: Float = 0
                for n in 0..<N {
                    state[n] = state[n] * dA + dtx * B[g * N + n]
                    acc += state[n] * Cm[g * N + n]
                }
                y[h * P + p] = acc + m.d[h] * xv
            }
        }
    }
    var c = ActivityCounts()
    c.denseMACs = 2 * H * P * N + H * P
    c.elementwiseMuls = H * P * N + H * P + H
    c.elementwiseAdds = H
    c.elementwiseNonlinear = 2 * H
    c.weightsRead = 3 * H
    c.recurrentStateRead = H * P * N
    c.recurrentStateWritten = H * P * N

    // Gated RMSNorm, group-wise: u = y·silu(z); RMS over each group of I/G channels; ·w.
    let w = m.gatedNormWeight!, eps = hyper.gatedNormEpsilon
    let groupWidth = I / G
    for g in 0..<G {
        var sum: Float = 0
        for i in (g * groupWidth)..<((g + 1) * groupWidth) {
            let v = y[i] * silu(z[i])
            u[i] = v
            sum += v * v
        }
        let scale = 1 / (sum / Float(groupWidth) + eps).squareRoot()
        for i in (g * groupWidth)..<((g + 1) * groupWidth) { u[i] = w[i] * (u[i] * scale) }
    }
    c.elementwiseNonlinear += I + G
    c.elementwiseMuls += 4 * I
    c.elementwiseAdds += I
    c.weightsRead += I
    counts.counts[ssmUnit] += c
}
