import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import MarsimTestSupport
import Testing

/// The optimised kernels against the straightforward reference kernels, on random shapes including
/// odd sizes (tails shorter than a SIMD step, fewer than 4 columns or events, fewer terms than the
/// two-halves split needs, single rows).
///
/// Tolerance: the fast kernels sum each output in a different order from the sequential reference —
/// column-major dense and event delivery in two fixed halves (A + B, then the bias), row-major dense
/// (a tied lm_head) in 8 lanes. Any such order sums the same n + 1 terms (the products and the bias)
/// with a rounding error of at most γ_n·Σ|term|, γ_n ≈ n·u, u = 2⁻²⁴ (Higham, Accuracy and Stability
/// of Numerical Algorithms, §4.2), so two orders differ by at most 2·(n + 1)·u·Σ|term|
/// = (n + 1)·ulpOfOne·Σ|term|: each output is checked against that bound. (Observed differences
/// are a few ulps, far below it.)
///
/// Exact: results must be identical for 1, 2, 3 and 4 threads, on the parallel path and on the
/// single-thread path, and for any output sub-range.
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

    static func single(_ p: Projection, _ x: [Float]) -> [Float] {
        var out = [Float](repeating: .nan, count: p.fanOut)
        fastDenseProject(&out, x, p, outputs: 0..<p.fanOut)
        return out
    }

    /// |fast − reference| ≤ (n + 1)·ulpOfOne·Σ|terms| for every output.
    static func expectWithinBound(_ fast: [Float], _ reference: [Float], terms n: Int, magnitude: (Int) -> Float, _ label: String) {
        for o in fast.indices {
            let tolerance = Float(n + 1) * Float.ulpOfOne * magnitude(o)
            #expect(abs(fast[o] - reference[o]) <= tolerance, "\(label) output \(o): \(fast[o]) vs \(reference[o])")
        }
    }

    /// Σ_i |W[o, i]·x[i]| + |b[o]|.
    static func denseMagnitude(_ p: Projection, _ x: [Float]) -> (Int) -> Float {
        { o in
            var m: Float = abs(p.bias?[o] ?? 0)
            for i in 0..<p.fanIn { m += abs(p.weight(out: o, in: i) * x[i]) }
            return m
        }
    }

    @Test("dense, both layouts: within the rounding bound of the reference; identical for any thread count")
    func dense() {
        var rng = SplitMix64(seed: 21)
        for layout in [Projection.Layout.columnMajor, .rowMajor] {
            for fanIn in Self.fanIns + (layout == .rowMajor ? [517, 2048] : [517]) {
                for fanOut in Self.fanOuts {
                    let p = Self.randomProjection(&rng, fanIn: fanIn, fanOut: fanOut, layout: layout, bias: (fanIn + fanOut) % 2 == 0)
                    let x = (0..<fanIn).map { _ in Float(rng.unit() - 0.5) * 4 }
                    let label = "\(layout) fanIn \(fanIn) fanOut \(fanOut)"
                    let fast = Self.single(p, x)
                    Self.expectWithinBound(fast, Self.reference(p, x), terms: fanIn, magnitude: Self.denseMagnitude(p, x), label)
                    for threads in [1, 2, 3, 4] {
                        #expect(Self.parallel(p, x, threads: threads) == fast, "\(label) threads \(threads)")
                    }
                }
            }
        }
    }

    @Test("dense, both layouts: an output sub-range computes exactly those outputs, with the same bits")
    func outputSubranges() {
        var rng = SplitMix64(seed: 22)
        for layout in [Projection.Layout.columnMajor, .rowMajor] {
            let p = Self.randomProjection(&rng, fanIn: 37, fanOut: 203, layout: layout, bias: true)
            let x = (0..<37).map { _ in Float(rng.unit() - 0.5) }
            let full = Self.single(p, x)
            for (lo, hi) in [(0, 1), (1, 203), (5, 22), (17, 203), (200, 203), (0, 203)] {
                var out = [Float](repeating: .nan, count: 203)
                fastDenseProject(&out, x, p, outputs: lo..<hi)
                #expect(Array(out[lo..<hi]) == Array(full[lo..<hi]), "\(layout) \(lo)..<\(hi)")
                #expect(out[..<lo].allSatisfy(\.isNaN) && out[hi...].allSatisfy(\.isNaN), "writes outside \(lo)..<\(hi)")
            }
        }
    }

    @Test("Llamba-1B-sized column-major projections: within the bound of the reference; 1 and 2 threads identical")
    func largeShapes() {
        var rng = SplitMix64(seed: 26)
        for (fanIn, fanOut) in [(2048, 4256), (8192, 2048)] {
            let p = Self.randomProjection(&rng, fanIn: fanIn, fanOut: fanOut, layout: .columnMajor, bias: false)
            let x = (0..<fanIn).map { _ in Float(rng.unit() - 0.5) * 4 }
            let one = Self.parallel(p, x, threads: 1)
            #expect(Self.parallel(p, x, threads: 2) == one)
            #expect(Self.single(p, x) == one)
            let expected = Self.reference(p, x)
            // Per-output bound on a sample of outputs (the full Σ|w·x| for all of them is slow in debug builds).
            let magnitude = Self.denseMagnitude(p, x)
            for o in stride(from: 0, to: fanOut, by: 97) {
                #expect(abs(one[o] - expected[o]) <= Float(fanIn + 1) * Float.ulpOfOne * magnitude(o), "\(fanIn)×\(fanOut) output \(o)")
            }
        }
    }

    /// out (n × fanOut) by the chunked GEMM, reading row-major weights transposed in place or through a panel.
    static func gemm(_ p: Projection, _ x: [Float], tokens n: Int, threads: Int, transposedInPlace: Bool) -> [Float] {
        var out = [Float](repeating: .nan, count: n * p.fanOut)
        out.withUnsafeMutableBufferPointer { o in
            x.withUnsafeBufferPointer { gemmProject(o.baseAddress!, $0.baseAddress!, tokens: n, p, threads: threads,
                                                    transposedInPlace: transposedInPlace) }
        }
        return out
    }

    @Test("chunked GEMM, row-major f32 and bf16 weights read in place as Wᵀ or through a transposed panel: within the bound of the reference; identical for 1 and 3 threads",
          arguments: [WeightElement.f32, .bf16])
    func gemmBothWeightPaths(element: WeightElement) {
        var rng = SplitMix64(seed: 27)
        // 2 full output blocks and a tail (gemmBlockOutputs = 1024), an odd fan-in, 5 tokens.
        let fanIn = 131, fanOut = 2 * gemmBlockOutputs + 37, n = 5
        var p = Self.randomProjection(&rng, fanIn: fanIn, fanOut: fanOut, layout: .rowMajor, bias: true)
        if element == .bf16 {
            // The same values stored as bf16 (truncated): the reference then sees exactly what the kernel reads.
            let halves = p.weights.map { UInt16(truncatingIfNeeded: $0.bitPattern >> 16) }
            let storage = WeightStorage(element: .bf16, count: halves.count) { raw in
                halves.withUnsafeBytes { raw.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
            p = Projection(fanIn: fanIn, fanOut: fanOut, layout: .rowMajor, storage: storage, bias: p.bias)
        }
        let x = (0..<(n * fanIn)).map { _ in Float(rng.unit() - 0.5) * 4 }
        for inPlace in [true, false] {
            let one = Self.gemm(p, x, tokens: n, threads: 1, transposedInPlace: inPlace)
            #expect(Self.gemm(p, x, tokens: n, threads: 3, transposedInPlace: inPlace) == one, "in place \(inPlace): threads")
            for t in 0..<n {
                let row = Array(x[(t * fanIn)..<((t + 1) * fanIn)])
                Self.expectWithinBound(Array(one[(t * fanOut)..<((t + 1) * fanOut)]), Self.reference(p, row), terms: fanIn,
                                       magnitude: Self.denseMagnitude(p, row), "\(element) in place \(inPlace) token \(t)")
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

    @Test("event delivery: within the rounding bound of the reference; identical for any thread count and sub-range")
    func eventDelivery() {
        var rng = SplitMix64(seed: 24)
        for fanIn in [1, 3, 9, 64] {
            for fanOut in Self.fanOuts {
                for count in [0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 40] {
                    let p = Self.randomProjection(&rng, fanIn: fanIn, fanOut: fanOut, layout: .columnMajor, bias: count % 2 == 1)
                    let v = (0..<fanIn).map { _ in Float(rng.unit()) + 0.05 }
                    let events = Self.randomEvents(&rng, fanIn: fanIn, count: count)
                    let label = "fanIn \(fanIn) fanOut \(fanOut) events \(count)"
                    var expected = [Float](repeating: .nan, count: fanOut)
                    deliverEvents(&expected, events: events, thresholds: v, p, outputs: 0..<fanOut)
                    var fast = [Float](repeating: .nan, count: fanOut)
                    fastDeliverEvents(&fast, events: events, thresholds: v, p, outputs: 0..<fanOut)
                    Self.expectWithinBound(fast, expected, terms: count, magnitude: { o in
                        var m: Float = abs(p.bias?[o] ?? 0)
                        for e in 0..<count {
                            let i = Int(events.channels[e])
                            m += abs(v[i] * p.weight(out: o, in: i))
                        }
                        return m
                    }, label)
                    for threads in [1, 2, 3, 4] {
                        var out = [Float](repeating: .nan, count: fanOut)
                        parallelDeliverEvents(&out, events: events, thresholds: v, p, threads: threads, minimumWork: 0)
                        #expect(out == fast, "\(label) threads \(threads)")
                    }
                    if fanOut > 2 {
                        var part = [Float](repeating: .nan, count: fanOut)
                        fastDeliverEvents(&part, events: events, thresholds: v, p, outputs: 1..<(fanOut - 1))
                        #expect(Array(part[1..<(fanOut - 1)]) == Array(fast[1..<(fanOut - 1)]), "\(label)")
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
                var input = (0..<n).map { _ in (Float(rng.unit()) - 0.5) * 10 }
                let v = (0..<n).map { _ in Float(rng.unit()) + 0.05 }
                // Ties at ±V, a multiple of V (drains to exactly 0), a NaN: the comparisons' edge cases.
                for (i, value) in [(0, v[0]), (3, -v[min(3, n - 1)]), (5, 3 * v[min(5, n - 1)]), (6, Float.nan)] where i < n { input[i] = value }
                let p = ATMNParameters(timesteps: T, tau: tau)
                // Start from non-empty events: both encoders append.
                var fast = Self.randomEvents(&rng, fanIn: n, count: 3), reference = fast
                var fastMembrane = [Float](repeating: 7, count: n), referenceMembrane = [Float](repeating: -3, count: n)
                atmnEncode(events: &fast, membrane: &fastMembrane, input: input, thresholds: v, count: n, parameters: p)
                atmnEncodeReference(events: &reference, membrane: &referenceMembrane, input: input, thresholds: v, count: n, parameters: p)
                #expect(fast == reference, "n \(n) T \(T) tau \(tau)")
                #expect(fastMembrane.map(\.bitPattern) == referenceMembrane.map(\.bitPattern), "n \(n) T \(T) tau \(tau)")
                // The vectorised ATMN encoder against the generic stepper it replaces, membrane updates included.
                let model = ATMNModel(parameters: p)
                var stepped = SiteSpikes(site: 0), steppedMembrane = [Float](repeating: 1, count: n)
                let steppedUpdates = encodeBySteps(events: &stepped, membrane: &steppedMembrane, input: input, thresholds: v, count: n,
                                                   timesteps: T, model.step)
                var vectorised = SiteSpikes(site: 0), vectorisedMembrane = [Float](repeating: 2, count: n)
                let vectorisedUpdates = model.encode(events: &vectorised, membrane: &vectorisedMembrane, input: input, thresholds: v, count: n)
                #expect(vectorised == stepped && vectorisedUpdates == steppedUpdates, "n \(n) T \(T) tau \(tau): vectorised vs stepped")
            }
        }
    }
}
