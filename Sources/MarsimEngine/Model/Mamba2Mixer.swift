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

    // Conv: shift the window left, append xBC, depthwise dot with the taps, bias, silu.
    var xBCc = [Float](repeating: 0, count: C)
    for c in 0..<C {
        let row = conv + c * K
        for k in 0..<(K - 1) { row[k] = row[k + 1] }
        row[K - 1] = xBC[c]
        var acc: Float = 0
        for k in 0..<K { acc += row[k] * m.convWeight[c * K + k] }
        if let b = m.convBias { acc += b[c] }
        xBCc[c] = hyper.convSiLU ? silu(acc) : acc
    }
    counts.counts[convUnit].denseMACs += C * K
    counts.counts[convUnit].weightsRead += C * K + (m.convBias == nil ? 0 : C)
    if m.convBias != nil { counts.counts[convUnit].elementwiseAdds += C }
    if hyper.convSiLU { counts.counts[convUnit].elementwiseNonlinear += C }
    counts.counts[convUnit].recurrentStateRead += C * (K - 1)
    counts.counts[convUnit].recurrentStateWritten += C

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
