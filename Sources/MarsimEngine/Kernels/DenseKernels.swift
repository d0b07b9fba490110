// Dense fp32 kernels for one token (decode step). Legend: D d_model, I inner width (H·P),
// H heads, P head_dim, N d_state, G groups, K conv kernel, C conv channels, V vocabulary.
// Parameters go outputs first, then inputs. `denseProject` is the straightforward reference kernel;
// the optimised ones below (`fastDenseProject`, `parallelDenseProject`) are tested against it.
import Foundation
import CIntrinsics
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
    let fanOut = p.fanOut, fanIn = p.fanIn, w = p.storage
    switch p.layout {
    case .columnMajor:
        for o in outputs { out[o] = 0 }
        for i in 0..<fanIn {
            let xi = x[i]
            for o in outputs { out[o] += xi * w.value(at: i * fanOut + o) }
        }
    case .rowMajor:
        for o in outputs {
            var acc: Float = 0
            for i in 0..<fanIn { acc += w.value(at: o * fanIn + i) * x[i] }
            out[o] = acc
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

// MARK: Two-halves accumulation (column-major dense and event delivery)
//
// Both column-major products are sums of scaled weight columns: out[o] = Σ_k s_k·col_k[o] (+ b[o]),
// with k over input channels (dense) or events (spiking). The fast kernels split the k range into two
// fixed halves at `halfSplit(n)` and compute, for every output,
//
//     out[o] = (A[o] + B[o]) + b[o],   A = Σ_{k < split} s_k·col_k[o],   B = Σ_{k ≥ split} s_k·col_k[o],
//
// each half summed in order from 0. Two threads each take one half and read whole columns — one
// contiguous run of memory for consecutive dense columns — instead of half of every column (+10–25%
// bandwidth at Llamba-1B shapes). The split depends only on n, never on the thread count, and outputs
// may be divided further among more threads without changing any output's arithmetic, so results
// are identical for every thread count. They differ from the sequential reference kernels by
// rounding only (KernelTests bounds the difference).

/// Where the fast column-major kernels split n terms: ⌊n/2⌋ rounded down to a multiple of 4 (0 when n < 8).
@inline(__always) func halfSplit(_ n: Int) -> Int { n / 8 * 4 }

/// out[o] += Σ_{k in terms} scale_k·col_k[o] for o in lo..<hi, in order of k: 4 terms per pass so each
/// load and store of an output is shared by 4 weight streams, 32 outputs (4 × SIMD8) per step.
/// `term(k)` gives the scale and the column (indexed by absolute output o).
@inline(__always)
func accumulateColumns(_ out: UnsafeMutablePointer<Float>, lo: Int, hi: Int, terms: Range<Int>,
                       _ term: (Int) -> (Float, UnsafePointer<Float>)) {
    var k = terms.lowerBound
    let end = terms.upperBound
    while k + 4 <= end {
        let (s0, c0) = term(k), (s1, c1) = term(k + 1), (s2, c2) = term(k + 2), (s3, c3) = term(k + 3)
        let v0 = SIMD8<Float>(repeating: s0), v1 = SIMD8<Float>(repeating: s1)
        let v2 = SIMD8<Float>(repeating: s2), v3 = SIMD8<Float>(repeating: s3)
        var o = lo
        while o + 32 <= hi {
            var a = load8(out + o), b = load8(out + o + 8), c = load8(out + o + 16), d = load8(out + o + 24)
            a = a + v0 * load8(c0 + o); b = b + v0 * load8(c0 + o + 8); c = c + v0 * load8(c0 + o + 16); d = d + v0 * load8(c0 + o + 24)
            a = a + v1 * load8(c1 + o); b = b + v1 * load8(c1 + o + 8); c = c + v1 * load8(c1 + o + 16); d = d + v1 * load8(c1 + o + 24)
            a = a + v2 * load8(c2 + o); b = b + v2 * load8(c2 + o + 8); c = c + v2 * load8(c2 + o + 16); d = d + v2 * load8(c2 + o + 24)
            a = a + v3 * load8(c3 + o); b = b + v3 * load8(c3 + o + 8); c = c + v3 * load8(c3 + o + 16); d = d + v3 * load8(c3 + o + 24)
            store8(out + o, a); store8(out + o + 8, b); store8(out + o + 16, c); store8(out + o + 24, d)
            o += 32
        }
        while o + 8 <= hi {
            var a = load8(out + o)
            a = a + v0 * load8(c0 + o); a = a + v1 * load8(c1 + o); a = a + v2 * load8(c2 + o); a = a + v3 * load8(c3 + o)
            store8(out + o, a)
            o += 8
        }
        while o < hi {
            var a = out[o]
            a = a + s0 * c0[o]; a = a + s1 * c1[o]; a = a + s2 * c2[o]; a = a + s3 * c3[o]
            out[o] = a
            o += 1
        }
        k += 4
    }
    while k < end {
        let (s0, c0) = term(k)
        let v0 = SIMD8<Float>(repeating: s0)
        var o = lo
        while o + 8 <= hi {
            store8(out + o, load8(out + o) + v0 * load8(c0 + o))
            o += 8
        }
        while o < hi { out[o] = out[o] + s0 * c0[o]; o += 1 }
        k += 1
    }
}

/// One worker's share of a two-halves sum: half `half` (0: A, 1: B) over outputs lo..<hi, written
/// from 0 into `target` (indexed by absolute output).
@inline(__always)
func accumulateHalf(_ target: UnsafeMutablePointer<Float>, half: Int, count n: Int, lo: Int, hi: Int,
                    _ term: (Int) -> (Float, UnsafePointer<Float>)) {
    guard lo < hi else { return }
    (target + lo).update(repeating: 0, count: hi - lo)
    let split = halfSplit(n)
    accumulateColumns(target, lo: lo, hi: hi, terms: half == 0 ? 0..<split : split..<n, term)
}

/// out[o] = (out[o] + b[o]) + bias[o]: the final step of a two-halves sum.
@inline(__always)
func combineHalves(_ out: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, bias: [Float]?, lo: Int, hi: Int) {
    if let bias {
        bias.withUnsafeBufferPointer { bp in
            let c = bp.baseAddress!
            for o in lo..<hi { out[o] = (out[o] + b[o]) + c[o] }
        }
    } else {
        for o in lo..<hi { out[o] = out[o] + b[o] }
    }
}

/// A two-halves sum over outputs lo..<hi on the calling thread.
@inline(__always)
func twoHalvesSum(_ out: UnsafeMutablePointer<Float>, count n: Int, bias: [Float]?, lo: Int, hi: Int,
                  _ term: (Int) -> (Float, UnsafePointer<Float>)) {
    guard lo < hi else { return }
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: hi - lo)
    defer { scratch.deallocate() }
    let b = scratch - lo
    accumulateHalf(out, half: 0, count: n, lo: lo, hi: hi, term)
    accumulateHalf(b, half: 1, count: n, lo: lo, hi: hi, term)
    combineHalves(out, b, bias: bias, lo: lo, hi: hi)
}

/// A two-halves sum over all `fanOut` outputs, the halves (and, beyond 2 threads, output chunks of
/// them) spread over `threads` workers. `term` must be safe to call from several threads.
func parallelTwoHalvesSum(_ out: UnsafeMutablePointer<Float>, count n: Int, fanOut: Int, bias: [Float]?, threads: Int,
                          _ term: @escaping @Sendable (Int) -> (Float, UnsafePointer<Float>)) {
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(fanOut, 1))
    defer { scratch.deallocate() }
    let chunk = outputChunk(fanOut, threads: max(1, threads / 2))
    let chunks = max(1, (fanOut + chunk - 1) / chunk)
    let outAddress = Int(bitPattern: out), scratchAddress = Int(bitPattern: scratch)
    DispatchQueue.concurrentPerform(iterations: 2 * chunks) { u in
        let half = u / chunks, c = u % chunks
        let lo = c * chunk, hi = min(fanOut, lo + chunk)
        let target = UnsafeMutablePointer<Float>(bitPattern: half == 0 ? outAddress : scratchAddress)!
        accumulateHalf(target, half: half, count: n, lo: lo, hi: hi, term)
    }
    combineHalves(out, scratch, bias: bias, lo: 0, hi: fanOut)
}

/// Loads weights of one stored element type widened to fp32 (in registers: bf16 is a shift, f16 a
/// hardware conversion), so the row-major kernels stream the checkpoint's own bytes.
protocol WidenedLoad {
    /// Elements i ..< i+8 at `base`.
    static func load8(_ base: UnsafeRawPointer, _ i: Int) -> SIMD8<Float>
    /// Element i at `base`.
    static func load1(_ base: UnsafeRawPointer, _ i: Int) -> Float
    /// Bytes per stored element.
    static var elementSize: Int { get }
}

enum F32Load: WidenedLoad {
    static var elementSize: Int { 4 }
    @inline(__always) static func load8(_ base: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> {
        base.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
    }
    @inline(__always) static func load1(_ base: UnsafeRawPointer, _ i: Int) -> Float {
        base.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
    }
}

enum BF16Load: WidenedLoad {
    static var elementSize: Int { 2 }
    @inline(__always) static func load8(_ base: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> {
        marsim_bf16x8(base + 2 * i)
    }
    @inline(__always) static func load1(_ base: UnsafeRawPointer, _ i: Int) -> Float {
        Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
    }
}

enum F16Load: WidenedLoad {
    static var elementSize: Int { 2 }
    @inline(__always) static func load8(_ base: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> {
        let h = base.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
        return SIMD8<Float>(unsafeBitCast(h, to: SIMD8<Float16>.self))
    }
    @inline(__always) static func load1(_ base: UnsafeRawPointer, _ i: Int) -> Float {
        Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
    }
}

/// Row-major GEMV over outputs lo..<hi, one row after another (`dotRowFast`); weights of element
/// type `L` widened in registers. One row at a time beat 4 rows sharing each load of x: bf16 decode
/// at 1.3B 224 → 210 ms/token (median of 8 alternated pairs; every pair faster), as in llama.cpp's
/// `ggml_vec_dot_bf16`: a single sequential stream per worker suits the prefetchers better than 4.
/// Every element type runs the same arithmetic, so a bf16 or f16 checkpoint computed in place gives
/// bit for bit the logits of its widened fp32 copy (InPlaceWeightTests).
///
/// Not bit-identical to the scalar reference (the sum runs in 8 lanes), but each row's arithmetic is
/// fixed (`dotRowFast`), so results are identical for every thread count and split.
/// - out: (fanOut)  - x: (fanIn)  - w: fanOut rows of fanIn elements
@inline(__always)
func denseRowsFast<L: WidenedLoad>(_: L.Type, _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                   _ w: UnsafeRawPointer, fanIn n: Int, lo: Int, hi: Int) {
    for o in lo..<hi { out[o] = dotRowFast(L.self, w, o * n, x, n) }
}

/// One row's dot product as the row-major fast kernel computes it (the row starts at element
/// `start`): 4 accumulators of 8 lanes over 32 elements per pass, then 8 at a time into the first,
/// summed as ((a0 + a1) + (a2 + a3)) across lanes, then the tail i ≥ 8⌊n/8⌋ added in order. Rows are
/// read one after another, so a worker's rows are one sequential stream; the kernel names the line
/// 1024 elements ahead to the prefetcher, which the hardware prefetchers would not cross into the
/// next 4 KiB page.
@inline(__always)
func dotRowFast<L: WidenedLoad>(_: L.Type, _ w: UnsafeRawPointer, _ start: Int, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
    let size = L.elementSize, ahead = 1024 * size
    var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
    var i = 0
    while i + 32 <= n {
        for line in stride(from: 0, to: 32 * size, by: 64) { marsim_prefetch(w + (start + i) * size + ahead + line) }
        a0 = a0 + L.load8(w, start + i) * load8(x + i)
        a1 = a1 + L.load8(w, start + i + 8) * load8(x + i + 8)
        a2 = a2 + L.load8(w, start + i + 16) * load8(x + i + 16)
        a3 = a3 + L.load8(w, start + i + 24) * load8(x + i + 24)
        i += 32
    }
    while i + 8 <= n { a0 = a0 + L.load8(w, start + i) * load8(x + i); i += 8 }
    var s = ((a0 + a1) + (a2 + a3)).sum()
    while i < n { s = s + L.load1(w, start + i) * x[i]; i += 1 }
    return s
}

/// Row-major rows lo..<hi of `p` (any element type) into out, bias included.
@inline(__always)
func denseRowsFast(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ p: Projection, lo: Int, hi: Int) {
    let w = p.storage.base, n = p.fanIn
    switch p.storage.element {
    case .f32: denseRowsFast(F32Load.self, out, x, w, fanIn: n, lo: lo, hi: hi)
    case .bf16: denseRowsFast(BF16Load.self, out, x, w, fanIn: n, lo: lo, hi: hi)
    case .f16: denseRowsFast(F16Load.self, out, x, w, fanIn: n, lo: lo, hi: hi)
    }
    if let bias = p.bias {
        bias.withUnsafeBufferPointer { b in
            for o in lo..<hi { out[o] = out[o] + b[o] }
        }
    }
}

/// The optimised dense projection over the output channels `outputs`, bias included, on the calling thread.
/// Column-major: the two-halves sum (identical to `parallelDenseProject` for any thread count).
/// Row-major: `denseRowsFast`. Both within float rounding of `denseProject` (see KernelTests).
func fastDenseProject(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ p: Projection, outputs: Range<Int>) {
    let fanOut = p.fanOut, fanIn = p.fanIn, lo = outputs.lowerBound, hi = outputs.upperBound
    guard lo < hi else { return }
    switch p.layout {
    case .columnMajor:
        let w = p.storage.f32
        twoHalvesSum(out, count: fanIn, bias: p.bias, lo: lo, hi: hi) { i in (x[i], w + i * fanOut) }
    case .rowMajor:
        denseRowsFast(out, x, p, lo: lo, hi: hi)
    }
}

/// How `threads` workers split `count` outputs: contiguous chunks, multiples of 16 (whole SIMD steps).
@inline(__always) func outputChunk(_ count: Int, threads: Int) -> Int {
    ((count + threads - 1) / threads + 15) / 16 * 16
}

/// `fastDenseProject` over all outputs, spread over `threads` workers: column-major by halves of the
/// input channels (each worker reads whole, consecutive columns), row-major by rows. Results are
/// identical for every thread count. Below `minimumWork` multiply-accumulates one thread does it
/// (a second costs more than it saves).
func parallelDenseProject(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ p: Projection, threads: Int,
                          minimumWork: Int = 1 << 18) {
    guard threads > 1, p.fanIn > 0, p.fanOut > 0, p.fanIn * p.fanOut >= minimumWork else {
        fastDenseProject(out, x, p, outputs: 0..<p.fanOut)
        return
    }
    let fanOut = p.fanOut
    switch p.layout {
    case .columnMajor:
        let w = Int(bitPattern: p.storage.f32), xAddress = Int(bitPattern: x)
        parallelTwoHalvesSum(out, count: p.fanIn, fanOut: fanOut, bias: p.bias, threads: threads) { i in
            (UnsafePointer<Float>(bitPattern: xAddress)![i], UnsafePointer<Float>(bitPattern: w)! + i * fanOut)
        }
    case .rowMajor:
        // 4 chunks per worker, handed out as workers free up: on a shared VM one core is often
        // slowed for a while, and a static half each would leave the other waiting.
        let chunk = outputChunk(fanOut, threads: 4 * threads)
        let workers = (fanOut + chunk - 1) / chunk
        let outAddress = Int(bitPattern: out), xAddress = Int(bitPattern: x)
        DispatchQueue.concurrentPerform(iterations: workers) { t in
            let lo = t * chunk, hi = min(fanOut, lo + chunk)
            guard lo < hi else { return }
            fastDenseProject(UnsafeMutablePointer<Float>(bitPattern: outAddress)!, UnsafePointer<Float>(bitPattern: xAddress)!, p, outputs: lo..<hi)
        }
    }
}
