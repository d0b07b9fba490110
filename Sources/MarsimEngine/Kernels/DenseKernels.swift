// Dense fp32 kernels for one token (decode step). Legend: D d_model, I inner width (H·P),
// H heads, P head_dim, N d_state, G groups, K conv kernel, C conv channels, V vocabulary.
// Parameters go outputs first, then inputs. These are the straightforward reference kernels;
// faster versions must be tested against them.
import Foundation
import MarsimCheckpoint

/// Logistic sigmoid.
@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// silu(x) = x · sigmoid(x).
@inline(__always) func silu(_ x: Float) -> Float { x / (1 + expf(-x)) }

/// softplus(x) = ln(1 + e^x), computed as PyTorch does (linear above 20).
@inline(__always) func softplus(_ x: Float) -> Float { x > 20 ? x : log1pf(expf(x)) }

/// RMSNorm: out = x · rsqrt(mean(x²) + eps) · w.
/// - out: (n)  - x: (n)  - w: (n)
func rmsNorm(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ n: Int, eps: Float) {
    var sum: Float = 0
    for i in 0..<n { sum += x[i] * x[i] }
    let scale = 1 / (sum / Float(n) + eps).squareRoot()
    for i in 0..<n { out[i] = w[i] * (x[i] * scale) }
}

/// Dense projection out = W·x (+ b), over all output channels.
/// - out: (fanOut)  - x: (fanIn)
func denseProject(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ p: Projection) {
    denseProject(out, x, p, outputs: 0..<p.fanOut)
}

/// Dense projection restricted to the output channels `outputs` (so callers can split work).
///
/// Column-major: out[o] = b[o] + Σ_i x[i]·W[i][o], accumulated channel by channel, reading each
/// weight once (memory-bound). Row-major: out[o] = b[o] + dot(W[o, :], x).
func denseProject(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ p: Projection, outputs: Range<Int>) {
    let fanOut = p.fanOut, fanIn = p.fanIn
    p.weights.withUnsafeBufferPointer { wb in
        let w = wb.baseAddress!
        switch p.layout {
        case .columnMajor:
            for o in outputs { out[o] = 0 }
            for i in 0..<fanIn {
                let xi = x[i]
                let col = w + i * fanOut
                for o in outputs { out[o] += xi * col[o] }
            }
        case .rowMajor:
            for o in outputs {
                let row = w + o * fanIn
                var acc: Float = 0
                for i in 0..<fanIn { acc += row[i] * x[i] }
                out[o] = acc
            }
        }
    }
    if let bias = p.bias {
        for o in outputs { out[o] += bias[o] }
    }
}

/// `denseProject` with the output channels split over `threads` workers. Each output is computed
/// by the same sequence of operations whatever the thread count, so results are identical.
/// Below `minimumWork` multiply-accumulates one thread does it (a second costs more than it saves).
func parallelDenseProject(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ p: Projection, threads: Int,
                          minimumWork: Int = 1 << 18) {
    guard threads > 1, p.fanIn * p.fanOut >= minimumWork else {
        denseProject(out, x, p)
        return
    }
    let chunk = ((p.fanOut + threads - 1) / threads + 15) / 16 * 16
    let outAddress = Int(bitPattern: out), xAddress = Int(bitPattern: x)
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        let lo = t * chunk, hi = min(p.fanOut, lo + chunk)
        guard lo < hi else { return }
        denseProject(UnsafeMutablePointer<Float>(bitPattern: outAddress)!, UnsafePointer<Float>(bitPattern: xAddress)!, p, outputs: lo..<hi)
    }
}
