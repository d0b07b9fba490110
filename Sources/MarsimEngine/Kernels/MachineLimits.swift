// Reference limits of the machine, for the benchmark's bounds: how fast memory can be read, and how
// many event-style adds per second it sustains. Deliberately simple loops, independent of the engine's
// kernels, so that "fraction of the bound" compares the kernels against the hardware, not themselves.
import Dispatch
import Foundation
import MarsimCheckpoint
import MarsimCore

public enum MachineLimits {
    /// Read bandwidth in bytes per second: `threads` workers each sum their share of a buffer of
    /// `bytes` bytes (much larger than the caches), reading `streams` equal parts of the share side by
    /// side (1: one sequential stream; 4: four, as the 4-columns-per-pass GEMV reads); the median of
    /// `repeats` timed passes after one untimed pass.
    public static func readBandwidth(bytes: Int = 512 << 20, threads: Int, streams: Int = 1, repeats: Int = 5) -> Double {
        let n = bytes / MemoryLayout<Float>.size
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { buffer.deallocate() }
        fillDistinct(buffer, count: n)
        return readBandwidth(UnsafeBufferPointer(start: buffer, count: n), threads: threads, streams: streams, repeats: repeats)
    }

    /// `readBandwidth` over existing memory (e.g. a large model's weights, so the measurement needs no
    /// extra memory); only its finite-ness matters, not its values.
    public static func readBandwidth(_ data: UnsafeBufferPointer<Float>, threads: Int, streams: Int = 1, repeats: Int = 5) -> Double {
        precondition(streams == 1 || streams == 4, "1 or 4 streams")
        let unit = 32 * threads * streams
        let n = data.count / unit * unit
        precondition(n > 0, "buffer too small")
        let address = Int(bitPattern: data.baseAddress!), share = n / threads
        var seconds: [Double] = []
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: threads)
        defer { sums.deallocate() }
        let sumsAddress = Int(bitPattern: sums)
        for pass in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let p = UnsafePointer<Float>(bitPattern: address)! + t * share
                var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
                var i = 0
                if streams == 1 {
                    while i < share {
                        a0 = a0 + load8(p + i); a1 = a1 + load8(p + i + 8)
                        a2 = a2 + load8(p + i + 16); a3 = a3 + load8(p + i + 24)
                        i += 32
                    }
                } else {
                    let length = share / 4
                    let q0 = p, q1 = p + length, q2 = q1 + length, q3 = q2 + length
                    while i < length {
                        a0 = a0 + load8(q0 + i) + load8(q0 + i + 8); a1 = a1 + load8(q1 + i) + load8(q1 + i + 8)
                        a2 = a2 + load8(q2 + i) + load8(q2 + i + 8); a3 = a3 + load8(q3 + i) + load8(q3 + i + 8)
                        i += 16
                    }
                }
                UnsafeMutablePointer<Float>(bitPattern: sumsAddress)![t] = (a0 + a1 + a2 + a3).sum()
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if pass > 0 { seconds.append(elapsed) }
        }
        precondition((0..<threads).allSatisfy { !sums[$0].isNaN })
        return Double(n * MemoryLayout<Float>.size) / seconds.median!
    }

    /// Adds per second when every add reads one fp32 weight from memory, the machine's best case:
    /// `threads` workers each stream through their contiguous share of `bytes` of columns of
    /// `columnLength` floats, adding 4 columns per pass into a private accumulator (the work of an
    /// event-driven projection without its scattered access). With `bytes` far beyond the caches this
    /// is the DRAM limit the spiking bound uses; with a few hundred KB, the cache-resident limit.
    /// Median of `repeats` timed passes after one untimed pass, each pass at least `minimumAdds` adds.
    public static func addThroughput(bytes: Int, columnLength: Int = 2048, threads: Int, minimumAdds: Int = 1 << 27,
                                     repeats: Int = 5) -> Double {
        let count = max(4 * threads * columnLength, bytes / MemoryLayout<Float>.size)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        fillDistinct(buffer, count: count)
        return addThroughput(UnsafeBufferPointer(start: buffer, count: count), columnLength: columnLength, threads: threads,
                             minimumAdds: minimumAdds, repeats: repeats)
    }

    /// `addThroughput` over existing memory (e.g. a large model's weights).
    public static func addThroughput(_ data: UnsafeBufferPointer<Float>, columnLength: Int = 2048, threads: Int, minimumAdds: Int = 1 << 27,
                                     repeats: Int = 5) -> Double {
        let columnsPerThread = data.count / columnLength / threads / 4 * 4
        precondition(columnsPerThread > 0, "buffer too small")
        let columns = columnsPerThread * threads
        let buffer = data.baseAddress!
        let accumulators = UnsafeMutablePointer<Float>.allocate(capacity: threads * columnLength)
        defer { accumulators.deallocate() }
        accumulators.initialize(repeating: 0, count: threads * columnLength)
        let sweeps = max(1, minimumAdds / (columns * columnLength))
        let w = Int(bitPattern: buffer), acc = Int(bitPattern: accumulators)
        var seconds: [Double] = []
        for pass in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let base = UnsafePointer<Float>(bitPattern: w)! + t * columnsPerThread * columnLength
                let out = UnsafeMutablePointer<Float>(bitPattern: acc)! + t * columnLength
                for _ in 0..<sweeps {
                    var c = 0
                    while c < columnsPerThread {
                        let c0 = base + c * columnLength, c1 = c0 + columnLength, c2 = c1 + columnLength, c3 = c2 + columnLength
                        var o = 0
                        while o + 8 <= columnLength {
                            store8(out + o, load8(out + o) + load8(c0 + o) + load8(c1 + o) + load8(c2 + o) + load8(c3 + o))
                            o += 8
                        }
                        c += 4
                    }
                }
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if pass > 0 { seconds.append(elapsed) }
        }
        precondition(!accumulators[0].isNaN)
        return Double(sweeps * columns * (columnLength / 8 * 8)) / seconds.median!
    }

    /// Fills a buffer with values that differ from page to page: memory whose pages are identical may
    /// be merged into one physical page by the host (KSM, deduplication), and then "reads from DRAM"
    /// come from cache — a 512 MiB buffer of 1.0s measured 72 GB/s here.
    public static func fillDistinct(_ p: UnsafeMutablePointer<Float>, count: Int) {
        var state: UInt32 = 0x9E37_79B9
        for i in 0..<count {
            state = state &* 1_664_525 &+ 1_013_904_223
            p[i] = Float(state >> 8) * (1 / Float(1 << 24)) - 0.5
        }
    }
}

/// Compares the optimised dense kernel with the reference on one projection, in the build being run
/// (the benchmark reports it, so a release build's code generation is checked too).
public enum KernelCheck {
    public struct Result: Sendable {
        /// max |fast − reference| over the outputs.
        public var maxAbsDifference: Float
        /// max over outputs of |fast − reference| ÷ ((fanIn + 1)·ulpOfOne·Σ|W[o, i]·x[i]|): ≤ 1 is within
        /// the rounding bound KernelTests uses.
        public var worstFractionOfBound: Float
        /// Whether 1 and 2 threads gave identical outputs.
        public var threadsIdentical: Bool
    }

    /// The check for a deterministic input.
    public static func denseAgainstReference(_ p: Projection) -> Result {
        let x = (0..<p.fanIn).map { Float(($0 * 7919) % 1000) / 500 - 1 }
        var one = [Float](repeating: 0, count: p.fanOut), two = one, reference = one, magnitude = one
        parallelDenseProject(&one, x, p, threads: 1, minimumWork: 0)
        parallelDenseProject(&two, x, p, threads: 2, minimumWork: 0)
        denseProject(&reference, x, p)
        for o in 0..<p.fanOut { magnitude[o] = abs(p.bias?[o] ?? 0) }
        for i in 0..<p.fanIn {
            for o in 0..<p.fanOut { magnitude[o] += abs(p.weight(out: o, in: i) * x[i]) }
        }
        var worst: Float = 0, fraction: Float = 0
        for o in 0..<p.fanOut {
            let d = abs(one[o] - reference[o])
            worst = max(worst, d)
            let bound = Float(p.fanIn + 1) * Float.ulpOfOne * magnitude[o]
            fraction = max(fraction, bound > 0 ? d / bound : (d == 0 ? 0 : .infinity))
        }
        return Result(maxAbsDifference: worst, worstFractionOfBound: fraction, threadsIdentical: one == two)
    }
}
