import Dispatch
import Foundation
import MarsimCheckpoint
import COpenBLAS
import MarsimCore

// The output rule's objective for one spiking site (docs/DESIGN.md §2, "Learned thresholds").
//
// Legend: n tokens (rows), F fan-in (input channels = neurons), O fan-out, T ticks.
//
//   E(a) = (1/n) Σ_t ‖W·(d_t − x_t)‖²        d_t,i = decode(x_t,i; V_i),  V_i = exp(a_i)
//
// x is the site's input (n × F), W its weight (O × F; the bias cancels), decode what the ATMN
// neuron delivers (Σ_k s_k·V). With r = d − x and the Gram matrix G = WᵀW (F × F):
//
//   E = (1/n) Σ_t r_tᵀ·G·r_t,    ∂E/∂a_i = (2/n) Σ_t (G·r_t)_i · ∂d_t,i/∂a_i.
//
// decode is a staircase in V, so ∂d/∂a is taken with a straight-through estimator (LSQ, Esser et
// al. 2020): writing d = V·c with c = Σ_k s_k the neuron's net spike count, the integer c is
// passed straight through as if c = x/V while the neuron is not saturated (|c| < T), and held
// fixed when it is (|c| = T):
//
//   ∂d/∂a = V·∂d/∂V = V·(c − x/V) = d − x = r   (|c| < T),     ∂d/∂a = V·c = d   (|c| = T).
//
// It is the exact gradient of the surrogate in which each neuron's rounding residual c − x/V is
// frozen at its current value (tests check it against finite differences of that surrogate, and
// of E itself where every neuron saturates and E is smooth).

/// The output reconstruction error of one spiking site as a function of its per-channel
/// log-thresholds, with its straight-through gradient (see the file header).
///
/// The product with G is formed as (R·G) when F ≤ 2·O (G = WᵀW built once, n·F² per evaluation),
/// else as (R·Wᵀ)·W (2·n·F·O per evaluation). Every product is single-threaded SGEMM on fixed
/// blocks of `blockRows` tokens spread over the workers, and every sum runs in a fixed order, so
/// results are identical for any thread count.
public struct SiteOutputObjective: @unchecked Sendable {
    /// The site's inputs, n × F, token-major.
    public let inputs: [Float]
    public let tokens: Int
    public let fanIn: Int
    public let fanOut: Int
    public let parameters: ATMNParameters
    /// Worker threads for the products (results do not depend on it).
    public let threads: Int
    /// Wᵀ (F × O, row i = W[:, i]) when the products go through W; empty when G is used.
    private let transposed: [Float]
    /// G = WᵀW (F × F) when F ≤ 2·O; empty otherwise.
    private let gram: [Float]
    /// Tokens per SGEMM call (fixed, never derived from the thread count).
    static let blockRows = 256

    /// - inputs: n × F values entering the projection `projection` (fan-in F).
    public init(projection: Projection, inputs: [Float], parameters: ATMNParameters,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition(inputs.count % max(projection.fanIn, 1) == 0, "inputs must be whole rows of fan-in values")
        fanIn = projection.fanIn
        fanOut = projection.fanOut
        tokens = fanIn == 0 ? 0 : inputs.count / fanIn
        self.inputs = inputs
        self.parameters = parameters
        let workers = max(1, threads)
        self.threads = workers
        // Wᵀ row-major is W column-major: the column-major fp32 copy (or the storage itself).
        let columns = projection.layout == .columnMajor ? projection : projection.columnMajor()
        let wt = [Float](UnsafeBufferPointer(start: columns.storage.f32, count: fanIn * fanOut))
        if fanIn <= 2 * fanOut {
            var g = [Float](repeating: 0, count: fanIn * fanIn)
            let F = fanIn, O = fanOut
            wt.withUnsafeBufferPointer { w in
                g.withUnsafeMutableBufferPointer { gb in
                    Self.blockedProduct(rows: F, threads: workers) { lo, count in
                        BLASLibrary.shared.sgemm(MarsimCblasRowMajor, MarsimCblasNoTrans, MarsimCblasTrans, Int32(count), Int32(F), Int32(O),
                                                 1, w.baseAddress! + lo * O, Int32(O), w.baseAddress!, Int32(O), 0,
                                                 gb.baseAddress! + lo * F, Int32(F))
                    }
                }
            }
            gram = g
            transposed = []
        } else {
            gram = []
            transposed = wt
        }
    }

    /// Runs `body(firstRow, rowCount)` over fixed blocks of `blockRows` rows, spread over `threads` workers.
    static func blockedProduct(rows: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let blocks = (rows + blockRows - 1) / blockRows
        guard blocks > 0 else { return }
        let workers = min(threads, blocks)
        if workers == 1 {
            for b in 0..<blocks { body(b * blockRows, min(blockRows, rows - b * blockRows)) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBody(body: body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var b = w
                while b < blocks {
                    box.body(b * blockRows, min(blockRows, rows - b * blockRows))
                    b += workers
                }
            }
        }
    }

    private struct UncheckedBody: @unchecked Sendable { let body: (Int, Int) -> Void }

    /// Q = R·G (m × F) for residuals R (m × F).
    private func timesGram(_ r: UnsafePointer<Float>, rows m: Int, into q: UnsafeMutablePointer<Float>) {
        let F = fanIn, O = fanOut
        if !gram.isEmpty {
            gram.withUnsafeBufferPointer { g in
                Self.blockedProduct(rows: m, threads: threads) { lo, count in
                    BLASLibrary.shared.sgemm(MarsimCblasRowMajor, MarsimCblasNoTrans, MarsimCblasNoTrans, Int32(count), Int32(F), Int32(F),
                                             1, r + lo * F, Int32(F), g.baseAddress!, Int32(F), 0, q + lo * F, Int32(F))
                }
            }
        } else {
            let y = UnsafeMutablePointer<Float>.allocate(capacity: max(1, m * O))
            defer { y.deallocate() }
            transposed.withUnsafeBufferPointer { w in
                Self.blockedProduct(rows: m, threads: threads) { lo, count in
                    // Y = R·Wᵀ (count × O), then Q = Y·W (count × F).
                    BLASLibrary.shared.sgemm(MarsimCblasRowMajor, MarsimCblasNoTrans, MarsimCblasNoTrans, Int32(count), Int32(O), Int32(F),
                                             1, r + lo * F, Int32(F), w.baseAddress!, Int32(O), 0, y + lo * O, Int32(O))
                    BLASLibrary.shared.sgemm(MarsimCblasRowMajor, MarsimCblasNoTrans, MarsimCblasTrans, Int32(count), Int32(F), Int32(O),
                                             1, y + lo * O, Int32(O), w.baseAddress!, Int32(O), 0, q + lo * F, Int32(F))
                }
            }
        }
    }

    /// E and ∂E/∂a at log-thresholds `logThresholds` (F) over the tokens `rows` (nil: all of them).
    public func evaluate(logThresholds a: [Float], rows: [Int]? = nil) -> (error: Double, gradient: [Double]) {
        evaluate(thresholds: a.map { expf($0) }, rows: rows, gradient: true)
    }

    /// E at thresholds `thresholds` (V, F values) over all tokens.
    public func error(thresholds: [Float]) -> Double {
        evaluate(thresholds: thresholds, rows: nil, gradient: false).error
    }

    /// The mean squared norm of the exact outputs, (1/n) Σ_t ‖W·x_t‖² (what E is relative to).
    public func outputEnergy() -> Double {
        let m = tokens, F = fanIn
        guard m > 0, F > 0 else { return 0 }
        var q = [Float](repeating: 0, count: m * F)
        inputs.withUnsafeBufferPointer { x in q.withUnsafeMutableBufferPointer { timesGram(x.baseAddress!, rows: m, into: $0.baseAddress!) } }
        var total = 0.0
        for k in 0..<(m * F) { total += Double(inputs[k]) * Double(q[k]) }
        return total / Double(m)
    }

    /// The decoded inputs d (what the projection sees, Σ_k s_k·V) at thresholds `thresholds`, all
    /// tokens: the values the spiking runner's GEMM delivery forms, bit for bit.
    public func decoded(thresholds: [Float]) -> [Float] {
        var d = [Float](repeating: 0, count: inputs.count)
        var saturated = [Bool](repeating: false, count: inputs.count)
        inputs.withUnsafeBufferPointer { x in
            thresholds.withUnsafeBufferPointer { v in
                d.withUnsafeMutableBufferPointer { db in
                    saturated.withUnsafeMutableBufferPointer { sb in
                        atmnDecode(decoded: db.baseAddress!, saturated: sb.baseAddress!, input: x.baseAddress!, thresholds: v.baseAddress!,
                                   tokens: tokens, channels: fanIn, parameters: parameters)
                    }
                }
            }
        }
        return d
    }

    private func evaluate(thresholds v: [Float], rows: [Int]?, gradient wanted: Bool) -> (error: Double, gradient: [Double]) {
        precondition(v.count == fanIn, "one threshold per input channel")
        let F = fanIn, m = rows?.count ?? tokens
        var gradient = [Double](repeating: 0, count: wanted ? F : 0)
        guard m > 0, F > 0 else { return (0, gradient) }
        let x = UnsafeMutablePointer<Float>.allocate(capacity: m * F)
        let r = UnsafeMutablePointer<Float>.allocate(capacity: m * F)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: m * F)
        let saturated = UnsafeMutablePointer<Bool>.allocate(capacity: m * F)
        defer { x.deallocate(); r.deallocate(); q.deallocate(); saturated.deallocate() }
        inputs.withUnsafeBufferPointer { all in
            if let rows {
                for (k, t) in rows.enumerated() { (x + k * F).update(from: all.baseAddress! + t * F, count: F) }
            } else {
                x.update(from: all.baseAddress!, count: m * F)
            }
        }
        v.withUnsafeBufferPointer { vb in
            atmnDecode(decoded: r, saturated: saturated, input: x, thresholds: vb.baseAddress!, tokens: m, channels: F, parameters: parameters)
        }
        // r = d − x (d was written into r).
        for k in 0..<(m * F) { r[k] -= x[k] }
        timesGram(r, rows: m, into: q)
        var error = 0.0
        for t in 0..<m {
            let rt = r + t * F, qt = q + t * F
            var row: Float = 0
            for i in 0..<F { row += rt[i] * qt[i] }
            error += Double(row)
        }
        error /= Double(m)
        if wanted {
            // ∂d/∂a: r unsaturated, d = r + x saturated (straight-through; file header). Per channel
            // in Float over the tokens in order (deterministic), then scaled.
            let g = UnsafeMutablePointer<Float>.allocate(capacity: F)
            defer { g.deallocate() }
            g.update(repeating: 0, count: F)
            for t in 0..<m {
                let rt = r + t * F, qt = q + t * F, st = saturated + t * F, xt = x + t * F
                for i in 0..<F { g[i] += qt[i] * (st[i] ? rt[i] + xt[i] : rt[i]) }
            }
            let scale = 2 / Double(m)
            for i in 0..<F { gradient[i] = Double(g[i]) * scale }
        }
        return (error, gradient)
    }
}

/// Decodes n tokens × F channels through ATMN neurons: `decoded[t·F + i]` = Σ_k s_k·V_i, summed
/// tick by tick in the order the spiking runner's GEMM delivery adds its events, and
/// `saturated[t·F + i]` = whether the neuron spiked at every tick (|Σ_k s_k| = T). Each neuron
/// steps exactly as `atmnEncode` does (DESIGN.md §2; same arithmetic, so the same spikes), written
/// branch-free over a token's channels so it vectorises (adding 0·V when a neuron is silent leaves
/// the sum as it was).
///
/// - decoded: (n × F) out
/// - saturated: (n × F) out
/// - input: (n × F) the activations I
/// - thresholds: (F) V per channel, all > 0
func atmnDecode(decoded: UnsafeMutablePointer<Float>, saturated: UnsafeMutablePointer<Bool>, input: UnsafePointer<Float>,
                thresholds v: UnsafePointer<Float>, tokens n: Int, channels F: Int, parameters: ATMNParameters) {
    let T = parameters.timesteps, tau = parameters.tau, divide = tau != 1
    let u = UnsafeMutablePointer<Float>.allocate(capacity: max(F, 1))
    let count = UnsafeMutablePointer<Float>.allocate(capacity: max(F, 1))
    defer { u.deallocate(); count.deallocate() }
    for t in 0..<n {
        let x = input + t * F, d = decoded + t * F, sat = saturated + t * F
        for k in 0..<T {
            for i in 0..<F {
                let h: Float = k == 0 ? x[i] : (divide ? u[i] / tau : u[i])
                let s: Float = (h >= v[i] ? 1 : 0) - (h <= -v[i] ? 1 : 0)
                u[i] = h - s * v[i]
                d[i] = k == 0 ? s * v[i] : d[i] + s * v[i]
                count[i] = k == 0 ? s : count[i] + s
            }
        }
        for i in 0..<F { sat[i] = abs(count[i]) == Float(T) }
    }
}
