// Reference limits of the machine, for the benchmark's bounds: how fast memory can be read, and how
// many event-style adds per second it sustains. Deliberately simple loops, independent of the engine's
// kernels, so that "fraction of the bound" compares the kernels against the hardware, not themselves.
import Dispatch
import Foundation
import MarsimCheckpoint

public enum MachineLimits {
    /// Read bandwidth in bytes per second: `threads` workers each sum their share of a buffer of
    /// `bytes` bytes (much larger than the caches) with 4 SIMD8 accumulators; the median of `repeats`
    /// timed passes after one untimed pass.
    public static func readBandwidth(bytes: Int = 512 << 20, threads: Int, repeats: Int = 5) -> Double {
        let n = bytes / MemoryLayout<Float>.size / (32 * threads) * (32 * threads)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: n)
        let address = Int(bitPattern: buffer), share = n / threads
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
                while i < share {
                    a0 = a0 + load8(p + i); a1 = a1 + load8(p + i + 8)
                    a2 = a2 + load8(p + i + 16); a3 = a3 + load8(p + i + 24)
                    i += 32
                }
                UnsafeMutablePointer<Float>(bitPattern: sumsAddress)![t] = (a0 + a1 + a2 + a3).sum()
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if pass > 0 { seconds.append(elapsed) }
        }
        precondition((0..<threads).allSatisfy { sums[$0] > 0 })
        return Double(n * MemoryLayout<Float>.size) / median(seconds)
    }

    /// Adds per second when every add reads one fp32 weight from memory, the machine's best case:
    /// `threads` workers each stream through their contiguous share of `bytes` of columns of
    /// `columnLength` floats, adding 4 columns per pass into a private accumulator (the work of an
    /// event-driven projection without its scattered access). With `bytes` far beyond the caches this
    /// is the DRAM limit the spiking bound uses; with a few hundred KB, the cache-resident limit.
    /// Median of `repeats` timed passes after one untimed pass, each pass at least `minimumAdds` adds.
    public static func addThroughput(bytes: Int, columnLength: Int = 2048, threads: Int, minimumAdds: Int = 1 << 27,
                                     repeats: Int = 5) -> Double {
        let columnsPerThread = max(4, bytes / MemoryLayout<Float>.size / columnLength / threads) / 4 * 4
        let columns = columnsPerThread * threads
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: columns * columnLength)
        defer { buffer.deallocate() }
        for i in 0..<(columns * columnLength) { buffer[i] = Float(i & 7) * 0.125 }
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
        precondition(accumulators[0].isFinite)
        return Double(sweeps * columns * (columnLength / 8 * 8)) / median(seconds)
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// Compares the optimised dense kernel with the reference on one projection, in the build being run
/// (the benchmark reports it, so a release build's code generation is checked too).
public enum KernelCheck {
    /// max |fast − reference| over the outputs for a deterministic input, and whether they are bit-identical.
    public static func denseAgainstReference(_ p: Projection, threads: Int) -> (maxAbsDifference: Float, identical: Bool) {
        let x = (0..<p.fanIn).map { Float(($0 * 7919) % 1000) / 500 - 1 }
        var fast = [Float](repeating: 0, count: p.fanOut), reference = fast
        parallelDenseProject(&fast, x, p, threads: threads, minimumWork: 0)
        denseProject(&reference, x, p)
        var worst: Float = 0
        for o in 0..<p.fanOut { worst = max(worst, abs(fast[o] - reference[o])) }
        return (worst, fast == reference)
    }
}
