// Sparse delivery of a chunk's spikes: the decoded inputs d[t, i] = Σ_k s_k·V_i that are not zero,
// times column-major weights. Legend: n tokens, fanIn input channels, fanOut output channels,
// nnz nonzero (token, channel) pairs. Outputs first, then inputs.
import Foundation
import CIntrinsics
import MarsimCheckpoint

/// A chunk's decoded spiking inputs with the zeros left out: token t's entries are
/// `start(t) ..< start(t) + count[t]`, channels ascending. Each token owns a slot of `fanIn` entries,
/// so tokens are compacted in parallel without a prefix sum. Kept by the runner from one site to the
/// next (its buffers grow to the largest chunk × fan-in and stay).
struct DecodedRows {
    private(set) var fanIn = 0
    private(set) var channels: [Int32] = []
    private(set) var values: [Float] = []
    private(set) var count: [Int32] = []

    /// Where token t's entries begin.
    @inline(__always) func start(_ t: Int) -> Int { t * fanIn }

    /// Nonzero entries over all tokens.
    var nonzeros: Int { count.reduce(0) { $0 + Int($1) } }

    /// Compacts `decoded` (n rows of `fanIn` values) into nonzero entries, tokens on the workers.
    mutating func fill(from decoded: UnsafePointer<Float>, tokens n: Int, fanIn: Int, threads: Int) {
        self.fanIn = fanIn
        if channels.count < n * fanIn {
            channels = [Int32](repeating: 0, count: n * fanIn)
            values = [Float](repeating: 0, count: n * fanIn)
        }
        if count.count < n { count = [Int32](repeating: 0, count: n) }
        channels.withUnsafeMutableBufferPointer { cb in
            values.withUnsafeMutableBufferPointer { vb in
                count.withUnsafeMutableBufferPointer { nb in
                    let c = cb.baseAddress!, v = vb.baseAddress!, k = nb.baseAddress!
                    forEachRange(of: n, work: n * fanIn, threads: threads) { tokens in
                        for t in tokens {
                            let row = decoded + t * fanIn, base = t * fanIn
                            var used = 0
                            for i in 0..<fanIn where row[i] != 0 {
                                c[base + used] = Int32(i)
                                v[base + used] = row[i]
                                used += 1
                            }
                            k[t] = Int32(used)
                        }
                    }
                }
            }
        }
        for t in n..<count.count { count[t] = 0 }
    }
}

/// Reference for `sparseProject`: out[t, o] = (Σ over token t's entries, channels ascending, of
/// d·W[o, i], each a fused multiply-add onto the running sum from 0) + b[o].
/// - out: (n × fanOut)  - p: column-major fp32
func sparseProjectReference(_ out: UnsafeMutablePointer<Float>, _ rows: DecodedRows, tokens n: Int, _ p: Projection) {
    precondition(p.layout == .columnMajor, "sparse delivery needs column-major weights")
    let w = p.storage.f32, fanOut = p.fanOut
    for t in 0..<n {
        for o in 0..<fanOut {
            var acc: Float = 0
            for e in rows.start(t)..<(rows.start(t) + Int(rows.count[t])) {
                acc = acc.addingProduct(rows.values[e], w[Int(rows.channels[e]) * fanOut + o])
            }
            out[t * fanOut + o] = acc + (p.bias?[o] ?? 0)
        }
    }
}

/// Output channels per block of `sparseProject` (8 vectors of 8 floats held in registers).
let sparseBlockOutputs = 64
/// Input channels per packed panel: 128 × 64 floats = 32 KiB, the size of a core's L1 data cache.
let sparsePanelChannels = 128

/// W·d for every token of a chunk, reading only the weights of channels that fired: the same sums
/// as `sparseProjectReference`, bit for bit, for any thread count.
///
/// Work is nnz × fanOut fused multiply-adds instead of the GEMM's n × fanIn × fanOut, and each
/// weight is read from memory once per chunk. Outputs go in blocks of 64: for each block, 128
/// channels' slices at a time are copied into a contiguous 32 KiB panel (a weight column is 64
/// floats of a 4–34 KiB stride apart: copying it once with prefetching is cheaper than every token
/// missing on it), then every token adds its entries in that channel range, its 64 sums in
/// registers. Per output, each token's entries are added in ascending channel order whatever the
/// blocking, so the result depends only on the inputs. Blocks are shared among the workers.
/// - out: (n × fanOut)  - p: column-major fp32
func sparseProject(_ out: UnsafeMutablePointer<Float>, _ rows: DecodedRows, tokens n: Int, _ p: Projection, threads: Int) {
    precondition(p.layout == .columnMajor, "sparse delivery needs column-major weights")
    let fanOut = p.fanOut, fanIn = p.fanIn
    guard n > 0, fanOut > 0 else { return }
    let blocks = fanOut / sparseBlockOutputs, tail = blocks * sparseBlockOutputs
    let w = Int(bitPattern: p.storage.f32), o = Int(bitPattern: out)
    rows.channels.withUnsafeBufferPointer { cb in
        rows.values.withUnsafeBufferPointer { vb in
            rows.count.withUnsafeBufferPointer { nb in
                let c = Int(bitPattern: cb.baseAddress!), v = Int(bitPattern: vb.baseAddress!), k = Int(bitPattern: nb.baseAddress!)
                // Each piece is a run of output blocks; the last piece also takes the tail outputs.
                let workers = max(1, min(threads, blocks + 1))
                let pieces = workers == 1 ? 1 : min(blocks + 1, 4 * workers)
                let body: @Sendable (Int) -> Void = { piece in
                    let lo = piece * blocks / pieces, hi = (piece + 1) * blocks / pieces
                    let panel = UnsafeMutablePointer<Float>.allocate(capacity: sparsePanelChannels * sparseBlockOutputs)
                    let cursor = UnsafeMutablePointer<Int>.allocate(capacity: n)
                    defer { panel.deallocate(); cursor.deallocate() }
                    let entries = SparseEntries(channels: UnsafePointer(bitPattern: c)!, values: UnsafePointer(bitPattern: v)!,
                                                count: UnsafePointer(bitPattern: k)!, fanIn: fanIn)
                    let weights = UnsafePointer<Float>(bitPattern: w)!, outputs = UnsafeMutablePointer<Float>(bitPattern: o)!
                    for block in lo..<hi {
                        sparseBlock(outputs, entries, tokens: n, weights, fanOut: fanOut, firstOutput: block * sparseBlockOutputs,
                                    panel: panel, cursor: cursor)
                    }
                    if piece == pieces - 1 && tail < fanOut {
                        sparseTail(outputs, entries, tokens: n, weights, fanOut: fanOut, outputs: tail..<fanOut)
                    }
                }
                if pieces == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: pieces, execute: body) }
            }
        }
    }
    if let bias = p.bias {
        bias.withUnsafeBufferPointer { b in
            for t in 0..<n {
                let row = out + t * fanOut
                for j in 0..<fanOut { row[j] += b[j] }
            }
        }
    }
}

/// `DecodedRows`' buffers as plain pointers, for the workers.
private struct SparseEntries {
    let channels: UnsafePointer<Int32>
    let values: UnsafePointer<Float>
    let count: UnsafePointer<Int32>
    let fanIn: Int
}

/// One block of 64 outputs for every token (see `sparseProject`): rows' sums start from 0.
private func sparseBlock(_ out: UnsafeMutablePointer<Float>, _ e: SparseEntries, tokens n: Int, _ w: UnsafePointer<Float>,
                         fanOut: Int, firstOutput o0: Int, panel: UnsafeMutablePointer<Float>, cursor: UnsafeMutablePointer<Int>) {
    for t in 0..<n {
        cursor[t] = t * e.fanIn
        (out + t * fanOut + o0).update(repeating: 0, count: sparseBlockOutputs)
    }
    var k0 = 0
    while k0 < e.fanIn {
        let k1 = min(e.fanIn, k0 + sparsePanelChannels)
        // Pack channels k0..<k1's 64 weights contiguously, naming lines a few columns ahead.
        for i in k0..<k1 {
            if i + 8 < e.fanIn {
                let ahead = w + (i + 8) * fanOut + o0
                marsim_prefetch(ahead); marsim_prefetch(ahead + 16); marsim_prefetch(ahead + 32); marsim_prefetch(ahead + 48)
            }
            let from = w + i * fanOut + o0, to = panel + (i - k0) * sparseBlockOutputs
            for j in stride(from: 0, to: sparseBlockOutputs, by: 8) { store8(to + j, load8(from + j)) }
        }
        let limit = Int32(k1)
        for t in 0..<n {
            var c = cursor[t]
            let end = t * e.fanIn + Int(e.count[t])
            guard c < end, e.channels[c] < limit else { continue }
            let row = out + t * fanOut + o0
            var a0 = load8(row), a1 = load8(row + 8), a2 = load8(row + 16), a3 = load8(row + 24)
            var a4 = load8(row + 32), a5 = load8(row + 40), a6 = load8(row + 48), a7 = load8(row + 56)
            repeat {
                let x = SIMD8<Float>(repeating: e.values[c])
                let col = UnsafePointer(panel) + (Int(e.channels[c]) - k0) * sparseBlockOutputs
                a0 = a0.addingProduct(x, load8(col)); a1 = a1.addingProduct(x, load8(col + 8))
                a2 = a2.addingProduct(x, load8(col + 16)); a3 = a3.addingProduct(x, load8(col + 24))
                a4 = a4.addingProduct(x, load8(col + 32)); a5 = a5.addingProduct(x, load8(col + 40))
                a6 = a6.addingProduct(x, load8(col + 48)); a7 = a7.addingProduct(x, load8(col + 56))
                c += 1
            } while c < end && e.channels[c] < limit
            store8(row, a0); store8(row + 8, a1); store8(row + 16, a2); store8(row + 24, a3)
            store8(row + 32, a4); store8(row + 40, a5); store8(row + 48, a6); store8(row + 56, a7)
            cursor[t] = c
        }
        k0 = k1
    }
}

/// The last fanOut mod 64 outputs, one at a time, in the same order and arithmetic as the blocks.
private func sparseTail(_ out: UnsafeMutablePointer<Float>, _ e: SparseEntries, tokens n: Int, _ w: UnsafePointer<Float>,
                        fanOut: Int, outputs: Range<Int>) {
    for t in 0..<n {
        let first = t * e.fanIn, end = first + Int(e.count[t])
        for o in outputs {
            var acc: Float = 0
            for c in first..<end { acc = acc.addingProduct(e.values[c], w[Int(e.channels[c]) * fanOut + o]) }
            out[t * fanOut + o] = acc
        }
    }
}
