// Reproduces the decode recurrence of transformers' Mamba2Mixer / BambaMixer (torch_forward with
// cached states; DESIGN.md §3 steps 2–6), between in_proj and out_proj, for a chunk of tokens.
import Foundation
import MarsimCheckpoint
import MarsimCore

/// The Mamba-2 mixer's work between its two projections, for `n` consecutive tokens of one sequence.
///
/// Token by token the arithmetic is that of a single decode step (a chunk of 1 is the decode path),
/// so results do not depend on how a sequence is cut into chunks nor on `threads`: the scan is split
/// over heads, each worker stepping its heads through all n tokens with their state in its cache.
///
/// - u: (n, I) output, the input of out_proj
/// - zxbcdt: (n, rows) the in_proj output, each row split as [z I, xBC C, dt H]
/// - conv: (C, K) conv window of this layer, updated in place
/// - ssm: (H, P, N) SSM state of this layer, updated in place
func mamba2MixerChunk(u: UnsafeMutablePointer<Float>, zxbcdt: UnsafePointer<Float>, rows: Int, tokens n: Int,
                      conv: UnsafeMutablePointer<Float>, ssm: UnsafeMutablePointer<Float>,
                      weights m: MixerWeights, shape s: ModelShape, hyper: ModelHyperparameters,
                      counts: UnsafeMutablePointer<TokenCounts>, convUnit: Int, ssmUnit: Int, threads: Int) {
    let I = s.dInner, C = s.convChannels, H = s.heads, P = s.headDim, N = s.dState, G = s.groups

    // Conv: depthwise causal conv over xBC, then silu; channels split over the workers.
    let xBCc = UnsafeMutablePointer<Float>.allocate(capacity: n * C)
    let y = UnsafeMutablePointer<Float>.allocate(capacity: n * I)
    defer { xBCc.deallocate(); y.deallocate() }
    causalConvChunk(out: xBCc, window: conv, input: zxbcdt + I, rows: rows, tokens: n, weights: m, shape: s,
                    applySiLU: hyper.convSiLU, counts: counts, unit: convUnit, threads: threads)

    // Scan: dt = clamp(softplus(dt + dt_bias)), dA = exp(dt·A), S = S·dA + dt·x ⊗ B, y = S·C + D·x.
    let dtBias = m.dtBias!, aLog = m.aLog!, d = m.d
    let headsPerGroup = H / G
    let limit = hyper.timeStepLimit
    // Head-major: one head's state (P·N floats) stays in the core's cache for all n tokens.
    forEachRange(of: H, work: n * H * P * N, threads: threads) { heads in
        for h in heads {
            let g = h / headsPerGroup
            let a = -expf(aLog[h])
            for t in 0..<n {
                let x = xBCc + t * C, B = x + I, Cm = x + I + G * N, dtRaw = zxbcdt + t * rows + I + C
                var dt = softplus(dtRaw[h] + dtBias[h])
                dt = min(max(dt, limit.0), limit.1)
                let dA = expf(dt * a)
                scanHead(state: ssm + h * P * N, x: x + h * P, B: B + g * N, C: Cm + g * N, decay: dA, inputScale: dt,
                         d: d[h], P: P, N: N, y: y + t * I + h * P)
            }
        }
    }

    // Gated RMSNorm, group-wise: u = y·silu(z); RMS over each group of I/G channels; ·w.
    let w = m.gatedNormWeight!, eps = hyper.gatedNormEpsilon
    let groupWidth = I / G
    w.withUnsafeBufferPointer { wb in
        let w = wb.baseAddress!
        forEachRange(of: n, work: n * I * 8, threads: threads) { tokens in
            for t in tokens {
                let z = zxbcdt + t * rows, yt = y + t * I, ut = u + t * I
                for g in 0..<G {
                    var sum: Float = 0
                    for i in (g * groupWidth)..<((g + 1) * groupWidth) {
                        let v = yt[i] * silu(z[i])
                        ut[i] = v
                        sum += v * v
                    }
                    let scale = 1 / (sum / Float(groupWidth) + eps).squareRoot()
                    for i in (g * groupWidth)..<((g + 1) * groupWidth) { ut[i] = w[i] * (ut[i] * scale) }
                }
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
    c.elementwiseNonlinear += I + G
    c.elementwiseMuls += 4 * I
    c.elementwiseAdds += I
    c.weightsRead += I
    for t in 0..<n { counts[t].counts[ssmUnit] += c }
}

/// One head's state update and readout for one token, P rows of N states:
/// `S[p, :] = decay·S[p, :] + (inputScale·x[p])·B`, `y[p] = Σ_n C[n]·S[p, n] + d·x[p]`.
/// Each row's readout sums in 8 lanes (then the lanes, then any tail), the same for every caller,
/// with fused multiply-adds (`decay·S + bx·B` rounds once after the product bx·B); four rows run
/// side by side so their independent sums overlap in the pipeline. (Build with `-target-cpu native`
/// as `make release` does: without FMA in the target, a fused multiply-add is a libm call.)
@inline(__always)
func scanHead(state: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, B: UnsafePointer<Float>, C: UnsafePointer<Float>,
              decay: Float, inputScale: Float, d: Float, P: Int, N: Int, y: UnsafeMutablePointer<Float>) {
    let decay8 = SIMD8<Float>(repeating: decay)
    let vectorN = N / 8 * 8
    var p = 0
    while p + 4 <= P {
        let r0 = state + p * N, r1 = r0 + N, r2 = r1 + N, r3 = r2 + N
        let b0 = SIMD8<Float>(repeating: inputScale * x[p]), b1 = SIMD8<Float>(repeating: inputScale * x[p + 1])
        let b2 = SIMD8<Float>(repeating: inputScale * x[p + 2]), b3 = SIMD8<Float>(repeating: inputScale * x[p + 3])
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        var k = 0
        while k < vectorN {
            let bk = load8(B + k), ck = load8(C + k)
            let v0 = (b0 * bk).addingProduct(load8(r0 + k), decay8), v1 = (b1 * bk).addingProduct(load8(r1 + k), decay8)
            let v2 = (b2 * bk).addingProduct(load8(r2 + k), decay8), v3 = (b3 * bk).addingProduct(load8(r3 + k), decay8)
            store8(r0 + k, v0); store8(r1 + k, v1); store8(r2 + k, v2); store8(r3 + k, v3)
            a0 = a0.addingProduct(v0, ck); a1 = a1.addingProduct(v1, ck); a2 = a2.addingProduct(v2, ck); a3 = a3.addingProduct(v3, ck)
            k += 8
        }
        y[p] = scanTail(r0, a0.sum(), bx: inputScale * x[p], decay: decay, B: B, C: C, from: vectorN, to: N) + d * x[p]
        y[p + 1] = scanTail(r1, a1.sum(), bx: inputScale * x[p + 1], decay: decay, B: B, C: C, from: vectorN, to: N) + d * x[p + 1]
        y[p + 2] = scanTail(r2, a2.sum(), bx: inputScale * x[p + 2], decay: decay, B: B, C: C, from: vectorN, to: N) + d * x[p + 2]
        y[p + 3] = scanTail(r3, a3.sum(), bx: inputScale * x[p + 3], decay: decay, B: B, C: C, from: vectorN, to: N) + d * x[p + 3]
        p += 4
    }
    while p < P {
        let row = state + p * N
        let bx = inputScale * x[p]
        let b8 = SIMD8<Float>(repeating: bx)
        var acc = SIMD8<Float>()
        var k = 0
        while k < vectorN {
            let v = (b8 * load8(B + k)).addingProduct(load8(row + k), decay8)
            store8(row + k, v)
            acc = acc.addingProduct(v, load8(C + k))
            k += 8
        }
        y[p] = scanTail(row, acc.sum(), bx: bx, decay: decay, B: B, C: C, from: vectorN, to: N) + d * x[p]
        p += 1
    }
}

/// The states k in from..<to of one row (the part not a multiple of 8), updated and added to `sum` in order.
@inline(__always)
func scanTail(_ row: UnsafeMutablePointer<Float>, _ sum: Float, bx: Float, decay: Float, B: UnsafePointer<Float>,
              C: UnsafePointer<Float>, from: Int, to: Int) -> Float {
    var acc = sum
    var k = from
    while k < to {
        let v = (bx * B[k]).addingProduct(row[k], decay)
        row[k] = v
        acc = acc.addingProduct(v, C[k])
        k += 1
    }
    return acc
}

