// The depthwise causal conv1d of the Mamba-2 family for one token. Legend: C channels, K taps.
import Foundation
import MarsimCheckpoint
import MarsimCore

/// Shifts each channel's window left, appends the new input, and takes the depthwise dot with the taps,
/// plus bias, through silu when `applySiLU`.
///
/// - out: (C) the conv output
/// - window: (C, K) this layer's conv state, oldest first, updated in place
/// - input: (C) this token's xBC
/// - taps: (C, K); bias: (C) or nil
///
/// Counting, charged to `unit`: C·K dense MACs; C·K tap weights read (+ C bias weights read and C adds
/// with a bias); C non-linear with silu; recurrent state C·(K−1) read (the previous inputs) and C written
/// (the new one), as a ring buffer would.
func causalConvStep(out: UnsafeMutablePointer<Float>, window: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                    taps: [Float], bias: [Float]?, channels C: Int, kernel K: Int, applySiLU: Bool,
                    counts: inout TokenCounts, unit: Int) {
    taps.withUnsafeBufferPointer { w in
        for c in 0..<C {
            let row = window + c * K
            for k in 0..<(K - 1) { row[k] = row[k + 1] }
            row[K - 1] = input[c]
            var acc: Float = 0
            for k in 0..<K { acc += row[k] * w[c * K + k] }
            if let bias { acc += bias[c] }
            out[c] = applySiLU ? silu(acc) : acc
        }
    }
    counts.counts[unit].denseMACs += C * K
    counts.counts[unit].weightsRead += C * K + (bias == nil ? 0 : C)
    if bias != nil { counts.counts[unit].elementwiseAdds += C }
    if applySiLU { counts.counts[unit].elementwiseNonlinear += C }
    counts.counts[unit].recurrentStateRead += C * (K - 1)
    counts.counts[unit].recurrentStateWritten += C
}

/// `causalConvStep` for n consecutive tokens, in order: token t's xBC is `rows`-strided in `input`
/// (row t starts at input + t·rows), its conv output row t of `out` (n × C); counts go to `counts[t]`.
func causalConvChunk(out: UnsafeMutablePointer<Float>, window: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                     rows: Int, tokens n: Int, weights m: MixerWeights, shape s: ModelShape, applySiLU: Bool,
                     counts: UnsafeMutablePointer<TokenCounts>, unit: Int) {
    let C = s.convChannels
    for t in 0..<n {
        causalConvStep(out: out + t * C, window: window, input: input + t * rows, taps: m.convWeight, bias: m.convBias,
                       channels: C, kernel: s.convKernel, applySiLU: applySiLU, counts: &counts[t], unit: unit)
    }
}
