// Event-driven accumulation for spiking projections. Legend: fanIn input channels (neurons),
// fanOut output channels, E events. Outputs first, then inputs.
import Foundation
import MarsimCheckpoint
import MarsimCore

/// Delivers spike events to a projection: out = b + Σ_e polarity_e · V[channel_e] · W[:, channel_e].
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

/// `deliverEvents` over all outputs, split across `threads` workers when the work is large.
func parallelDeliverEvents(_ out: UnsafeMutablePointer<Float>, events: SiteSpikes, thresholds: UnsafePointer<Float>,
                           _ p: Projection, threads: Int, minimumWork: Int = 1 << 17) {
    guard threads > 1, events.count * p.fanOut >= minimumWork else {
        deliverEvents(out, events: events, thresholds: thresholds, p, outputs: 0..<p.fanOut)
        return
    }
    let chunk = ((p.fanOut + threads - 1) / threads + 15) / 16 * 16
    let outAddress = Int(bitPattern: out), vAddress = Int(bitPattern: thresholds)
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        let lo = t * chunk, hi = min(p.fanOut, lo + chunk)
        guard lo < hi else { return }
        deliverEvents(UnsafeMutablePointer<Float>(bitPattern: outAddress)!, events: events,
                      thresholds: UnsafePointer<Float>(bitPattern: vAddress)!, p, outputs: lo..<hi)
    }
}
