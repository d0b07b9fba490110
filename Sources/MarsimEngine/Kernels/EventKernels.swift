// Event-driven accumulation for spiking projections. Legend: fanIn input channels (neurons),
// fanOut output channels, E events. Outputs first, then inputs.
import Foundation
import MarsimCheckpoint
import MarsimCore

/// Delivers spike events to a projection (the straightforward reference kernel): out = b + Σ_e polarity_e · V[channel_e] · W[:, channel_e].
///
/// Each event reads one contiguous weight column (column-major layout) and adds it, scaled by
/// ±V, to the accumulator: work is E × fanOut, independent of fanIn and of T. (On hardware V is
/// folded into the column once, so an event is a pure accumulate — counted as fanOut ACs.)
/// Events are added in the order given, so each output's sum is the same whatever `outputs` split.
/// - out: (fanOut)  - thresholds: (fanIn)  - p: column-major
func deliverEvents(_ out: UnsafeMutablePointer<Float>, events: SiteSpikes, thresholds: UnsafePointer<Float>,
                   _ p: Projection, outputs: Range<Int>) {
    precondition(p.layout == .columnMajor, "event delivery needs column-major weights")
    let fanOut = p.fanOut
    if let bias = p.bias {
        for o in outputs { out[o] = bias[o] }
    } else {
        for o in outputs { out[o] = 0 }
    }
    p.weights.withUnsafeBufferPointer { wb in
        let w = wb.baseAddress!
        for e in 0..<events.count {
            let i = Int(events.channels[e])
            let scale = Float(events.polarity[e]) * thresholds[i]
            let col = w + i * fanOut
            for o in outputs { out[o] += scale * col[o] }
        }
    }
}

/// The optimised `deliverEvents`: events taken 4 at a time so each output load and store is shared by
/// 4 weight columns; 16 outputs per step (2 × SIMD8).
///
/// Bit-identical to `deliverEvents`: every output still sees `out = out + scale_e·W[o, channel_e]` for
/// e = 0, 1, 2 … in event order, as separate multiply and add, whatever the grouping or the split.
/// - out: (fanOut)  - thresholds: (fanIn)  - p: column-major
func fastDeliverEvents(_ out: UnsafeMutablePointer<Float>, events: SiteSpikes, thresholds: UnsafePointer<Float>,
                       _ p: Projection, outputs: Range<Int>) {
    precondition(p.layout == .columnMajor, "event delivery needs column-major weights")
    let fanOut = p.fanOut, lo = outputs.lowerBound, hi = outputs.upperBound
    guard lo < hi else { return }
    if let bias = p.bias {
        bias.withUnsafeBufferPointer { b in (out + lo).update(from: b.baseAddress! + lo, count: hi - lo) }
    } else {
        (out + lo).update(repeating: 0, count: hi - lo)
    }
    let count = events.count
    guard count > 0 else { return }
    p.weights.withUnsafeBufferPointer { wb in
        events.channels.withUnsafeBufferPointer { cb in
            events.polarity.withUnsafeBufferPointer { pb in
                let w = wb.baseAddress!, channels = cb.baseAddress!, polarity = pb.baseAddress!
                @inline(__always) func column(_ e: Int) -> (Float, UnsafePointer<Float>) {
                    let i = Int(channels[e])
                    return (Float(polarity[e]) * thresholds[i], w + i * fanOut)
                }
                var e = 0
                while e + 4 <= count {
                    let (s0, c0) = column(e), (s1, c1) = column(e + 1), (s2, c2) = column(e + 2), (s3, c3) = column(e + 3)
                    let v0 = SIMD8<Float>(repeating: s0), v1 = SIMD8<Float>(repeating: s1)
                    let v2 = SIMD8<Float>(repeating: s2), v3 = SIMD8<Float>(repeating: s3)
                    var o = lo
                    while o + 16 <= hi {
                        var a = load8(out + o), b = load8(out + o + 8)
                        a = a + v0 * load8(c0 + o); b = b + v0 * load8(c0 + o + 8)
                        a = a + v1 * load8(c1 + o); b = b + v1 * load8(c1 + o + 8)
                        a = a + v2 * load8(c2 + o); b = b + v2 * load8(c2 + o + 8)
                        a = a + v3 * load8(c3 + o); b = b + v3 * load8(c3 + o + 8)
                        store8(out + o, a); store8(out + o + 8, b)
                        o += 16
                    }
                    while o < hi {
                        var a = out[o]
                        a = a + s0 * c0[o]; a = a + s1 * c1[o]; a = a + s2 * c2[o]; a = a + s3 * c3[o]
                        out[o] = a
                        o += 1
                    }
                    e += 4
                }
                while e < count {
                    let (s0, c0) = column(e)
                    let v0 = SIMD8<Float>(repeating: s0)
                    var o = lo
                    while o + 8 <= hi {
                        store8(out + o, load8(out + o) + v0 * load8(c0 + o))
                        o += 8
                    }
                    while o < hi { out[o] = out[o] + s0 * c0[o]; o += 1 }
                    e += 1
                }
            }
        }
    }
}

/// `fastDeliverEvents` over all outputs, split across `threads` workers when the work is large.
/// Results are identical for every thread count.
func parallelDeliverEvents(_ out: UnsafeMutablePointer<Float>, events: SiteSpikes, thresholds: UnsafePointer<Float>,
                           _ p: Projection, threads: Int, minimumWork: Int = 1 << 17) {
    guard threads > 1, events.count * p.fanOut >= minimumWork else {
        fastDeliverEvents(out, events: events, thresholds: thresholds, p, outputs: 0..<p.fanOut)
        return
    }
    let chunk = outputChunk(p.fanOut, threads: threads)
    let workers = (p.fanOut + chunk - 1) / chunk
    let outAddress = Int(bitPattern: out), vAddress = Int(bitPattern: thresholds)
    DispatchQueue.concurrentPerform(iterations: workers) { t in
        let lo = t * chunk, hi = min(p.fanOut, lo + chunk)
        guard lo < hi else { return }
        fastDeliverEvents(UnsafeMutablePointer<Float>(bitPattern: outAddress)!, events: events,
                          thresholds: UnsafePointer<Float>(bitPattern: vAddress)!, p, outputs: lo..<hi)
    }
}
