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
    let w = p.storage.f32
    for e in 0..<events.count {
        let i = Int(events.channels[e])
        let scale = Float(events.polarity[e]) * thresholds[i]
        let col = w + i * fanOut
        for o in outputs { out[o] += scale * col[o] }
    }
}

/// The optimised `deliverEvents` over outputs `outputs`, on the calling thread: the events are summed
/// in two fixed halves (see "Two-halves accumulation" in DenseKernels.swift), 4 events per pass,
/// then the bias is added. Identical to `parallelDeliverEvents` for any thread count; within float
/// rounding of `deliverEvents` (KernelTests bounds the difference).
/// - out: (fanOut)  - thresholds: (fanIn)  - p: column-major
func fastDeliverEvents(_ out: UnsafeMutablePointer<Float>, events: SiteSpikes, thresholds: UnsafePointer<Float>,
                       _ p: Projection, outputs: Range<Int>) {
    precondition(p.layout == .columnMajor, "event delivery needs column-major weights")
    let fanOut = p.fanOut
    let w = p.storage.f32
    events.channels.withUnsafeBufferPointer { cb in
        events.polarity.withUnsafeBufferPointer { pb in
            let channels = cb.baseAddress, polarity = pb.baseAddress
            twoHalvesSum(out, count: events.count, bias: p.bias, lo: outputs.lowerBound, hi: outputs.upperBound) { e in
                let i = Int(channels![e])
                return (Float(polarity![e]) * thresholds[i], w + i * fanOut)
            }
        }
    }
}

/// `fastDeliverEvents` over all outputs, the two halves of the events on different workers (each reads
/// whole weight columns) when the work is large. Results are identical for every thread count.
func parallelDeliverEvents(_ out: UnsafeMutablePointer<Float>, events: SiteSpikes, thresholds: UnsafePointer<Float>,
                           _ p: Projection, threads: Int, minimumWork: Int = 1 << 17) {
    guard threads > 1, events.count > 0, p.fanOut > 0, events.count * p.fanOut >= minimumWork else {
        fastDeliverEvents(out, events: events, thresholds: thresholds, p, outputs: 0..<p.fanOut)
        return
    }
    precondition(p.layout == .columnMajor, "event delivery needs column-major weights")
    let fanOut = p.fanOut
    let w = Int(bitPattern: p.storage.f32)
    events.channels.withUnsafeBufferPointer { cb in
        events.polarity.withUnsafeBufferPointer { pb in
            let channels = Int(bitPattern: cb.baseAddress!)
            let polarity = Int(bitPattern: pb.baseAddress!), v = Int(bitPattern: thresholds)
            parallelTwoHalvesSum(out, count: events.count, fanOut: fanOut, bias: p.bias, threads: threads) { e in
                let i = Int(UnsafePointer<UInt32>(bitPattern: channels)![e])
                return (Float(UnsafePointer<Int8>(bitPattern: polarity)![e]) * UnsafePointer<Float>(bitPattern: v)![i],
                        UnsafePointer<Float>(bitPattern: w)! + i * fanOut)
            }
        }
    }
}
