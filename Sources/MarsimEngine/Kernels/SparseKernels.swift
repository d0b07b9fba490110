// Sparse delivery of a chunk's spikes: the decoded inputs d[t, i] = Σ_k s_k·V_i that are not zero,
// times column-major weights. Legend: n tokens, fanIn input channels, fanOut output channels,
// nnz nonzero (token, channel) pairs. Outputs first, then inputs.
import Foundation
import CIntrinsics
import MarsimCheckpoint

/// A chunk's decoded spiking inputs with the zeros left out (compressed rows): token t's entries are
/// `start[t] ..< start[t + 1]`, channels ascending, the tokens one after another. Kept by the runner
/// from one site to the next (its buffers grow to the largest chunk × fan-in and stay).
///
/// Contiguous on purpose: with a fixed slot of fan-in entries per token, the kernel's walk over the
/// tokens strode 8–16 KiB, a multiple of the page size, so every token's entries fell into the same
/// few cache sets and evicted each other (the 1.3B in_proj ran 1.4× slower).
struct DecodedRows {
    private(set) var channels: [Int32] = []
    private(set) var values: [Float] = []
    /// n + 1 offsets into `channels` and `values`.
    private(set) var start: [Int] = [0]

    /// Nonzero entries over all tokens.
    var nonzeros: Int { start.last! }

    /// Compacts `decoded` (n rows of `fanIn` values) into nonzero entries: the tokens are counted,
    /// then written, on the workers.
    mutating func fill(from decoded: UnsafePointer<Float>, tokens n: Int, fanIn: Int, threads: Int) {
        start.removeAll(keepingCapacity: true)
        start.append(contentsOf: repeatElement(0, count: n + 1))
        start.withUnsafeMutableBufferPointer { sb in
            let s = sb.baseAddress!
            forEachRange(of: n, work: n * fanIn, threads: threads) { tokens in
                for t in tokens {
                    let row = decoded + t * fanIn
                    var used = 0
                    for i in 0..<fanIn where row[i] != 0 { used += 1 }
                    s[t + 1] = used
                }
            }
            for t in 0..<n { s[t + 1] += s[t] }
        }
        let total = start[n]
        if channels.count < total {
            channels = [Int32](repeating: 0, count: total)
            values = [Float](repeating: 0, count: total)
        }
        start.withUnsafeBufferPointer { sb in
            channels.withUnsafeMutableBufferPointer { cb in
                values.withUnsafeMutableBufferPointer { vb in
                    let s = sb.baseAddress!, c = cb.baseAddress!, v = vb.baseAddress!
                    forEachRange(of: n, work: n * fanIn, threads: threads) { tokens in
                        for t in tokens {
                            let row = decoded + t * fanIn
                            var k = s[t]
                            for i in 0..<fanIn where row[i] != 0 {
                                c[k] = Int32(i)
                                v[k] = row[i]
                                k += 1
                            }
                        }
                    }
                }
            }
        }
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
            for e in rows.start[t]..<rows.start[t + 1] {
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
            rows.start.withUnsafeBufferPointer { nb in
                let c = Int(bitPattern: cb.baseAddress!), v = Int(bitPattern: vb.baseAddress!), k = Int(bitPattern: nb.baseAddress!)
                // Each piece is a run of output blocks; the last piece also takes the tail outputs.
                let workers = max(1, min(threads, blocks + 1))
                let pieces = workers == 1 ? 1 : min(blocks + 1, 4 * workers)
                let body: @Sendable (Int) -> Void = { piece in
                    let lo = piece * blocks / pieces, hi = (piece + 1) * blocks / pieces
                    let panel = UnsafeMutablePointer<Float>.allocate(capacity: sparsePanelChannels * sparseBlockOutputs)
                    let cursor = UnsafeMutablePointer<Int>.allocate(capacity: n)
                    let sums = UnsafeMutablePointer<Float>.allocate(capacity: n * sparseBlockOutputs)
                    defer { panel.deallocate(); cursor.deallocate(); sums.deallocate() }
                    let entries = SparseEntries(channels: UnsafePointer(bitPattern: c)!, values: UnsafePointer(bitPattern: v)!,
                                                start: UnsafePointer(bitPattern: k)!, fanIn: fanIn)
                    let weights = UnsafePointer<Float>(bitPattern: w)!, outputs = UnsafeMutablePointer<Float>(bitPattern: o)!
                    for block in lo..<hi {
                        sparseBlock(outputs, entries, tokens: n, weights, fanOut: fanOut, firstOutput: block * sparseBlockOutputs,
                                    panel: panel, cursor: cursor, sums: sums)
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
    let start: UnsafePointer<Int>
    let fanIn: Int
}

/// One block of 64 outputs for every token (see `sparseProject`). The sums start from 0 in `sums`
/// (n × 64, contiguous) and are copied out at the end: output rows lie fanOut apart, often a multiple
/// of 4 KiB, where the tokens' rows would share a few cache sets.
private func sparseBlock(_ out: UnsafeMutablePointer<Float>, _ e: SparseEntries, tokens n: Int, _ w: UnsafePointer<Float>,
                         fanOut: Int, firstOutput o0: Int, panel: UnsafeMutablePointer<Float>, cursor: UnsafeMutablePointer<Int>,
                         sums: UnsafeMutablePointer<Float>) {
    for t in 0..<n { cursor[t] = e.start[t] }
    sums.update(repeating: 0, count: n * sparseBlockOutputs)
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
            let end = e.start[t + 1]
            guard c < end, e.channels[c] < limit else { continue }
            let row = sums + t * sparseBlockOutputs
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
    for t in 0..<n { (out + t * fanOut + o0).update(from: sums + t * sparseBlockOutputs, count: sparseBlockOutputs) }
}

/// The last fanOut mod 64 outputs, one at a time, in the same order and arithmetic as the blocks.
private func sparseTail(_ out: UnsafeMutablePointer<Float>, _ e: SparseEntries, tokens n: Int, _ w: UnsafePointer<Float>,
                        fanOut: Int, outputs: Range<Int>) {
    for t in 0..<n {
        for o in outputs {
            var acc: Float = 0
            for c in e.start[t]..<e.start[t + 1] { acc = acc.addingProduct(e.values[c], w[Int(e.channels[c]) * fanOut + o]) }
            out[t * fanOut + o] = acc
        }
    }
}
