// Dense fp32 kernels for one token (decode step). Legend: D d_model, I inner width (H·P),
// H heads, P head_dim, N d_state, G groups, K conv kernel, C conv channels, V vocabulary.
// Parameters go outputs first, then inputs. `denseProject` is the straightforward reference kernel;
// the optimised ones below (`fastDenseProject`, used by `parallelDenseProject`) are tested against it.
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

// MARK: - Optimised kernels (tested against the reference kernels above in KernelTests)

/// Loads 8 floats from any address (no alignment needed).
@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores 8 floats at any address (no alignment needed).
@inline(__always) func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Column-major GEMV over outputs lo..<hi: out[o] = Σ_i x[i]·W[i][o], columns taken 4 at a time so
/// each load and store of an output is shared by 4 weight streams; 16 outputs per step (2 × SIMD8).
///
/// Bit-identical to the reference (`denseProject`, column-major): every output still sees
/// `out = out + x[i]·W[i][o]` for i = 0, 1, 2 … in that order, as separate multiply and add (Swift
/// does not contract them into FMAs), so neither the grouping nor the split changes a bit.
/// - out: (fanOut)  - x: (fanIn)  - w: fanIn columns of fanOut
@inline(__always)
func denseColumnsFast(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                      fanIn: Int, fanOut: Int, lo: Int, hi: Int) {
    guard lo < hi else { return }
    (out + lo).update(repeating: 0, count: hi - lo)
    var i = 0
    while i + 4 <= fanIn {
        let s0 = x[i], s1 = x[i + 1], s2 = x[i + 2], s3 = x[i + 3]
        let x0 = SIMD8<Float>(repeating: s0), x1 = SIMD8<Float>(repeating: s1)
        let x2 = SIMD8<Float>(repeating: s2), x3 = SIMD8<Float>(repeating: s3)
        let c0 = w + i * fanOut, c1 = c0 + fanOut, c2 = c1 + fanOut, c3 = c2 + fanOut
        var o = lo
        while o + 16 <= hi {
            var a = load8(out + o), b = load8(out + o + 8)
            a = a + x0 * load8(c0 + o); b = b + x0 * load8(c0 + o + 8)
            a = a + x1 * load8(c1 + o); b = b + x1 * load8(c1 + o + 8)
            a = a + x2 * load8(c2 + o); b = b + x2 * load8(c2 + o + 8)
            a = a + x3 * load8(c3 + o); b = b + x3 * load8(c3 + o + 8)
            store8(out + o, a); store8(out + o + 8, b)
            o += 16
        }
        while o < hi {
            var a = out[o]
            a = a + s0 * c0[o]; a = a + s1 * c1[o]; a = a + s2 * c2[o]; a = a + s3 * c3[o]
            out[o] = a
            o += 1
        }
        i += 4
    }
    while i < fanIn {
        let s0 = x[i], x0 = SIMD8<Float>(repeating: s0)
        let c0 = w + i * fanOut
        var o = lo
        while o + 8 <= hi {
            store8(out + o, load8(out + o) + x0 * load8(c0 + o))
            o += 8
        }
        while o < hi { out[o] = out[o] + s0 * c0[o]; o += 1 }
        i += 1
    }
}

/// One row's dot product as the row-major fast kernel computes it: 8 lanes over i = 8k + lane,
/// summed across lanes, then the tail i ≥ 8⌊n/8⌋ added in order. Every row is computed this way,
/// alone or in a group of 4, so the result does not depend on how rows are split.
@inline(__always)
func dotRowFast(_ row: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n { acc = acc + load8(row + i) * load8(x + i); i += 8 }
    var s = acc.sum()
    while i < n { s = s + row[i] * x[i]; i += 1 }
    return s
}

/// Row-major GEMV over outputs lo..<hi (a tied lm_head): 4 rows per pass share each load of x.
///
/// Not bit-identical to the scalar reference (the sum runs in 8 lanes), but each row's arithmetic is
/// fixed (`dotRowFast`), so results are identical for every thread count and split.
/// - out: (fanOut)  - x: (fanIn)  - w: fanOut rows of fanIn
@inline(__always)
func denseRowsFast(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                   fanIn n: Int, lo: Int, hi: Int) {
    var o = lo
    while o + 4 <= hi {
        let r0 = w + o * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        var i = 0
        while i + 8 <= n {
            let xv = load8(x + i)
            a0 = a0 + load8(r0 + i) * xv
            a1 = a1 + load8(r1 + i) * xv
            a2 = a2 + load8(r2 + i) * xv
            a3 = a3 + load8(r3 + i) * xv
            i += 8
        }
        var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
        while i < n {
            let xi = x[i]
            s0 = s0 + r0[i] * xi; s1 = s1 + r1[i] * xi; s2 = s2 + r2[i] * xi; s3 = s3 + r3[i] * xi
            i += 1
        }
        out[o] = s0; out[o + 1] = s1; out[o + 2] = s2; out[o + 3] = s3
        o += 4
    }
    while o < hi {
        out[o] = dotRowFast(w + o * n, x, n)
        o += 1
    }
}

/// The optimised dense projection over the output channels `outputs`, bias included.
/// Column-major: bit-identical to `denseProject`. Row-major: within float rounding of it (see `denseRowsFast`).
func fastDenseProject(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ p: Projection, outputs: Range<Int>) {
    let fanOut = p.fanOut, fanIn = p.fanIn
    p.weights.withUnsafeBufferPointer { wb in
        guard let w = wb.baseAddress else {
            for o in outputs { out[o] = 0 }
            return
        }
        switch p.layout {
        case .columnMajor:
            denseColumnsFast(out, x, w, fanIn: fanIn, fanOut: fanOut, lo: outputs.lowerBound, hi: outputs.upperBound)
        case .rowMajor:
            denseRowsFast(out, x, w, fanIn: fanIn, lo: outputs.lowerBound, hi: outputs.upperBound)
        }
    }
    if let bias = p.bias {
        bias.withUnsafeBufferPointer { b in
            for o in outputs { out[o] = out[o] + b[o] }
        }
    }
}

/// How `threads` workers split `count` outputs: contiguous chunks, multiples of 16 (whole SIMD steps).
@inline(__always) func outputChunk(_ count: Int, threads: Int) -> Int {
    ((count + threads - 1) / threads + 15) / 16 * 16
}

/// `fastDenseProject` with the output channels split over `threads` workers. Each output is computed
/// by the same sequence of operations whatever the thread count, so results are identical.
/// Below `minimumWork` multiply-accumulates one thread does it (a second costs more than it saves).
func parallelDenseProject(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ p: Projection, threads: Int,
                          minimumWork: Int = 1 << 18) {
    guard threads > 1, p.fanIn * p.fanOut >= minimumWork else {
        fastDenseProject(out, x, p, outputs: 0..<p.fanOut)
        return
    }
    let chunk = outputChunk(p.fanOut, threads: threads)
    let workers = (p.fanOut + chunk - 1) / chunk
    let outAddress = Int(bitPattern: out), xAddress = Int(bitPattern: x)
    DispatchQueue.concurrentPerform(iterations: workers) { t in
        let lo = t * chunk, hi = min(p.fanOut, lo + chunk)
        guard lo < hi else { return }
        fastDenseProject(UnsafeMutablePointer<Float>(bitPattern: outAddress)!, UnsafePointer<Float>(bitPattern: xAddress)!, p, outputs: lo..<hi)
    }
}
