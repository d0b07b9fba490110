import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import MarsimTestSupport
import Testing

/// The sparse delivery (`DecodedRows`, `sparseProject`): compaction keeps exactly the nonzero
/// decoded inputs in channel order; the blocked kernel equals its sequential reference bit for bit
/// (blocks of 64 outputs and their tail, panels of 128 channels and partial ones, empty tokens, any
/// thread count), and the reference is W·d (+ b) within the rounding bound of KernelTests.
@Suite("Sparse delivery kernels")
struct SparseKernelTests {
    /// n rows of fanIn decoded inputs, a `density` fraction nonzero (±1 … ±4 times a threshold-like
    /// value, as ATMN decodes at T ≤ 4), every third row empty.
    static func decodedInputs(_ rng: inout SplitMix64, tokens n: Int, fanIn: Int, density: Double) -> [Float] {
        (0..<(n * fanIn)).map { k in
            guard (k / fanIn) % 3 != 2, rng.unit() < density else { return 0 }
            let m = Int(rng.next() % 8) - 4  // −4 … 3, then 0 … 3 → 1 … 4: a nonzero multiple in ±1 … ±4
            return Float(m >= 0 ? m + 1 : m) * (Float(rng.unit()) * 0.5 + 0.05)
        }
    }

    @Test("DecodedRows keeps each token's nonzero inputs, channels ascending, and forgets a larger previous chunk")
    func compaction() {
        var rng = SplitMix64(seed: 71)
        var rows = DecodedRows()
        for (n, fanIn) in [(7, 33), (3, 5), (1, 1), (4, 130)] {
            let d = Self.decodedInputs(&rng, tokens: n, fanIn: fanIn, density: 0.3)
            for threads in [1, 2] {
                d.withUnsafeBufferPointer { rows.fill(from: $0.baseAddress!, tokens: n, fanIn: fanIn, threads: threads) }
                var expected = 0
                for t in 0..<n {
                    let nonzero = (0..<fanIn).filter { d[t * fanIn + $0] != 0 }
                    expected += nonzero.count
                    #expect(rows.start[t] == expected - nonzero.count, "n \(n) fanIn \(fanIn) token \(t)")
                    let entries = rows.start[t]..<rows.start[t + 1]
                    #expect(entries.map { Int(rows.channels[$0]) } == nonzero)
                    #expect(entries.map { rows.values[$0] } == nonzero.map { d[t * fanIn + $0] })
                }
                #expect(rows.nonzeros == expected)
                #expect(rows.start.count == n + 1)
            }
        }
    }

    @Test("sparseProject equals its sequential reference bit for bit, at 1, 2 and 3 threads; the reference is W·d + b")
    func blockedEqualsReference() {
        var rng = SplitMix64(seed: 72)
        for fanIn in [1, 5, 128, 129, 300] {
            for fanOut in [1, 7, 64, 65, 200] {
                for (n, density) in [(1, 0.5), (5, 0.1), (9, 0.35)] {
                    let bias = (fanIn + fanOut + n) % 2 == 0
                    let p = KernelTests.randomProjection(&rng, fanIn: fanIn, fanOut: fanOut, layout: .columnMajor, bias: bias)
                    let d = Self.decodedInputs(&rng, tokens: n, fanIn: fanIn, density: density)
                    var rows = DecodedRows()
                    d.withUnsafeBufferPointer { rows.fill(from: $0.baseAddress!, tokens: n, fanIn: fanIn, threads: 1) }
                    let label = "fanIn \(fanIn) fanOut \(fanOut) n \(n) bias \(bias)"
                    var expected = [Float](repeating: .nan, count: n * fanOut)
                    sparseProjectReference(&expected, rows, tokens: n, p)
                    for threads in [1, 2, 3] {
                        var out = [Float](repeating: .nan, count: n * fanOut)
                        sparseProject(&out, rows, tokens: n, p, threads: threads)
                        #expect(out == expected, "\(label) threads \(threads)")
                    }
                    for t in 0..<n {
                        for o in 0..<fanOut {
                            var exact = Double(p.bias?[o] ?? 0), magnitude = abs(exact)
                            for i in 0..<fanIn {
                                let term = Double(d[t * fanIn + i]) * Double(p.weight(out: o, in: i))
                                exact += term
                                magnitude += abs(term)
                            }
                            let bound = Double(fanIn + 1) * Double(Float.ulpOfOne) * magnitude
                            #expect(abs(Double(expected[t * fanOut + o]) - exact) <= bound, "\(label) token \(t) output \(o)")
                        }
                    }
                }
            }
        }
    }
}
