import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import Testing

/// The optimised kernels against the straightforward reference kernels, on random shapes including
/// odd sizes (tails shorter than a SIMD step, fewer than 4 columns or events, single rows).
///
/// Tolerances:
/// - column-major dense and event delivery are expected **bit-identical** to the reference: the fast
///   kernels keep each output's additions in the reference order, as separate multiply and add;
/// - row-major dense (a tied lm_head) sums each row in 8 lanes, so it differs from the sequential
///   reference by rounding only. Both are recursive sums of n products, each within γ_n·Σ|w·x|
///   (γ_n ≈ n·u, u = 2⁻²⁴) of the exact value, so they differ by at most 2·n·u·Σ|w·x|
///   = n·ulpOfOne·Σ|w·x|: that is the tolerance.
/// Whatever the kernel, results must be identical for 1, 2 and 3 threads.
@Suite("Kernels")
struct KernelTests {
    static let fanIns = [1, 2, 3, 4, 5, 7, 8, 9, 13, 31, 64, 130]
    static let fanOuts = [1, 3, 7, 8, 15, 16, 17, 33, 100, 257]

    static func randomProjection(_ rng: inout SplitMix64, fanIn: Int, fanOut: Int, layout: Projection.Layout, bias: Bool) -> Projection {
        let w = (0..<(fanIn * fanOut)).map { _ in Float(rng.unit() - 0.5) * 2 }
        let b = bias ? (0..<fanOut).map { _ in Float(rng.unit() - 0.5) } : nil
        return Projection(fanIn: fanIn, fanOut: fanOut, layout: layout, weights: w, bias: b)
    }

    static func reference(_ p: Projection, _ x: [Float]) -> [Float] {
        var out = [Float](repeating: .nan, count: p.fanOut)
        denseProject(&out, x, p)
        return out
    }

    static func parallel(_ p: Projection, _ x: [Float], threads: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: p.fanOut)
        parallelDenseProject(&out, x, p, threads: threads, minimumWork: 0)
        return out
    }

    @Test("column-major dense: fast kernel bit-identical to the reference, any thread count")
    func columnMajorDense() {
        var rng = SplitMix64(seed: 21)
        for fanIn in Self.fanIns {
            for fanOut in Self.fanOuts {
                let p = Self.randomProjection(&rng, fanIn: fanIn, fanOut: fanOut, layout: .columnMajor, bias: (fanIn + fanOut) % 2 == 0)
                let x = (0..<fanIn).map { _ in Float(rng.unit() - 0.5) * 4 }
                let expected = Self.reference(p, x)
                var fast = [Float](repeating: .nan, count: fanOut)
                fastDenseProject(&fast, x, p, outputs: 0..<fanOut)
                #expect(fast == expected, "fanIn \(fanIn) fanOut \(fanOut)")
                for threads in [1, 2, 3] {
                    #expect(Self.parallel(p, x, threads: threads) == expected, "fanIn \(fanIn) fanOut \(fanOut) threads \(threads)")
                }
            }
        }
    }

    @Test("column-major dense: an output sub-range computes exactly those outputs")
    func columnMajorSubrange() {
        var rng = SplitMix64(seed: 22)
        let p = Self.randomProjection(&rng, fanIn: 37, fanOut: 203, layout: .columnMajor, bias: true)
        let x = (0..<37).map { _ in Float(rng.unit() - 0.5) }
        let expected = Self.reference(p, x)
        for (lo, hi) in [(0, 1), (5, 22), (17, 203), (200, 203), (0, 203)] {
            var out = [Float](repeating: .nan, count: 203)
            fastDenseProject(&out, x, p, outputs: lo..<hi)
            #expect(Array(out[lo..<hi]) == Array(expected[lo..<hi]))
            #expect(out[..<lo].allSatisfy(\.isNaN) && out[hi...].allSatisfy(\.isNaN), "writes outside \(lo)..<\(hi)")
        }
    }

    @Test("row-major dense (tied head): within n·ulp·Σ|w·x| of the reference, identical for any thread count")
    func rowMajorDense() {
        var rng = SplitMix64(seed: 23)
        for fanIn in Self.fanIns + [517, 2048] {
            for fanOut in Self.fanOuts {
                let p = Self.randomProjection(&rng, fanIn: fanIn, fanOut: fanOut, layout: .rowMajor, bias: fanOut % 3 == 0)
                let x = (0..<fanIn).map { _ in Float(rng.unit() - 0.5) * 4 }
                let expected = Self.reference(p, x)
                let one = Self.parallel(p, x, threads: 1)
                for o in 0..<fanOut {
                    var magnitude: Float = 0
                    for i in 0..<fanIn { magnitude += abs(p.weight(out: o, in: i) * x[i]) }
                    magnitude += abs(p.bias?[o] ?? 0)
                    let tolerance = Float(fanIn + 1) * Float.ulpOfOne * magnitude
                    #expect(abs(one[o] - expected[o]) <= tolerance, "fanIn \(fanIn) fanOut \(fanOut) row \(o)")
                }
                #expect(Self.parallel(p, x, threads: 2) == one)
                #expect(Self.parallel(p, x, threads: 3) == one)
                // A row gives the same bits whether it falls in a group of 4 or in the tail.
                var shifted = [Float](repeating: .nan, count: fanOut)
                if fanOut > 1 {
                    fastDenseProject(&shifted, x, p, outputs: 1..<fanOut)
                    #expect(Array(shifted[1...]) == Array(one[1...]))
                }
            }
        }
    }

    static func randomEvents(_ rng: inout SplitMix64, fanIn: Int, count: Int) -> SiteSpikes {
        var events = SiteSpikes(site: 0)
        for e in 0..<count {
            events.channels.append(UInt32(rng.next() % UInt64(fanIn)))
            events.ticks.append(UInt8(e * 4 / max(count, 1)))
            events.polarity.append(rng.next() % 2 == 0 ? 1 : -1)
        }
        return events
    }

    @Test("event delivery: fast kernel bit-identical to the reference, any thread count")
    func eventDelivery() {
        var rng = SplitMix64(seed: 24)
        for fanIn in [1, 3, 9, 64] {
            for fanOut in Self.fanOuts {
                for count in [0, 1, 2, 3, 4, 5, 11, 40] {
                    let p = Self.randomProjection(&rng, fanIn: fanIn, fanOut: fanOut, layout: .columnMajor, bias: count % 2 == 1)
                    let v = (0..<fanIn).map { _ in Float(rng.unit()) + 0.05 }
                    let events = Self.randomEvents(&rng, fanIn: fanIn, count: count)
                    var expected = [Float](repeating: .nan, count: fanOut)
                    deliverEvents(&expected, events: events, thresholds: v, p, outputs: 0..<fanOut)
                    var fast = [Float](repeating: .nan, count: fanOut)
                    fastDeliverEvents(&fast, events: events, thresholds: v, p, outputs: 0..<fanOut)
                    #expect(fast == expected, "fanIn \(fanIn) fanOut \(fanOut) events \(count)")
                    for threads in [1, 2, 3] {
                        var out = [Float](repeating: .nan, count: fanOut)
                        parallelDeliverEvents(&out, events: events, thresholds: v, p, threads: threads, minimumWork: 0)
                        #expect(out == expected, "fanIn \(fanIn) fanOut \(fanOut) events \(count) threads \(threads)")
                    }
                }
            }
        }
    }

    @Test("ATMN encoder: same events and membranes as the reference encoder")
    func atmnEncoder() {
        var rng = SplitMix64(seed: 25)
        for n in [1, 2, 7, 8, 9, 31, 100, 1025] {
            for (T, tau) in [(1, Float(1)), (2, 1), (4, 1), (5, 1.5), (8, 2), (16, 1)] {
                let input = (0..<n).map { _ in (Float(rng.unit()) - 0.5) * 10 }
                let v = (0..<n).map { _ in Float(rng.unit()) + 0.05 }
                let p = ATMNParameters(timesteps: T, tau: tau)
                // Start from non-empty events: both encoders append.
                var fast = Self.randomEvents(&rng, fanIn: n, count: 3), reference = fast
                var fastMembrane = [Float](repeating: 7, count: n), referenceMembrane = [Float](repeating: -3, count: n)
                atmnEncode(events: &fast, membrane: &fastMembrane, input: input, thresholds: v, count: n, parameters: p)
                atmnEncodeReference(events: &reference, membrane: &referenceMembrane, input: input, thresholds: v, count: n, parameters: p)
                #expect(fast == reference, "n \(n) T \(T) tau \(tau)")
                #expect(fastMembrane == referenceMembrane, "n \(n) T \(T) tau \(tau)")
            }
        }
    }
}
