// The depthwise causal conv1d of the Mamba-2 family. Legend: C channels, K taps.
import Foundation
import MarsimCheckpoint
import MarsimCore

/// One token through channels `channels` of the conv: shifts each channel's window left, appends the
/// new input, and takes the depthwise dot with the taps, plus bias, through silu when `applySiLU`.
/// Channels are independent, so any split of them gives the same values.
///
/// - out: (C) the conv output
/// - window: (C, K) this layer's conv state, oldest first, updated in place
/// - input: (C) this token's xBC
/// - taps: (C, K); bias: (C) or nil
@inline(__always)
func causalConvChannels(_ channels: Range<Int>, out: UnsafeMutablePointer<Float>, window: UnsafeMutablePointer<Float>,
                        input: UnsafePointer<Float>, taps w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        kernel K: Int, applySiLU: Bool) {
    for c in channels {
        let row = window + c * K
        for k in 0..<(K - 1) { row[k] = row[k + 1] }
        row[K - 1] = input[c]
        var acc: Float = 0
        for k in 0..<K { acc += row[k] * w[c * K + k] }
        if let bias { acc += bias[c] }
        out[c] = applySiLU ? silu(acc) : acc
    }
}

/// The conv's counts for one token, charged to `unit`: C·K dense MACs; C·K tap weights read (+ C bias
/// weights read and C adds with a bias); C non-linear with silu; recurrent state C·(K−1) read (the
/// previous inputs) and C written (the new one), as a ring buffer would.
func countCausalConv(_ counts: inout TokenCounts, unit: Int, channels C: Int, kernel K: Int, bias: Bool, applySiLU: Bool) {
    counts.counts[unit].denseMACs += C * K
    counts.counts[unit].weightsRead += C * K + (bias ? C : 0)
    if bias { counts.counts[unit].elementwiseAdds += C }
    if applySiLU { counts.counts[unit].elementwiseNonlinear += C }
    counts.counts[unit].recurrentStateRead += C * (K - 1)
    counts.counts[unit].recurrentStateWritten += C
}

/// The conv over n consecutive tokens, in order: token t's xBC is `rows`-strided in `input` (row t
/// starts at input + t·rows), its conv output row t of `out` (n × C); counts go to `counts[t]`.
/// Workers take disjoint channel ranges, each through every token (a channel's window carries from
/// one token to the next), so the values are those of one token at a time on one thread.
func causalConvChunk(out: UnsafeMutablePointer<Float>, window: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                     rows: Int, tokens n: Int, weights m: MixerWeights, shape s: ModelShape, applySiLU: Bool,
                     counts: UnsafeMutablePointer<TokenCounts>, unit: Int, threads: Int) {
    let C = s.convChannels, K = s.convKernel
    m.convWeight.withUnsafeBufferPointer { taps in
        let bias = m.convBias
        (bias ?? []).withUnsafeBufferPointer { biasBuffer in
            let w = taps.baseAddress!, b = bias == nil ? nil : biasBuffer.baseAddress
            forEachRange(of: C, work: n * C * K * 4, threads: threads) { channels in
                for t in 0..<n {
                    causalConvChannels(channels, out: out + t * C, window: window, input: input + t * rows, taps: w, bias: b,
                                       kernel: K, applySiLU: applySiLU)
                }
            }
        }
    }
    for t in 0..<n { countCausalConv(&counts[t], unit: unit, channels: C, kernel: K, bias: m.convBias != nil, applySiLU: applySiLU) }
}
