import Dispatch
import Foundation
import MarsimCheckpoint
import MarsimCore

/// Model shapes the benchmark can build without a checkpoint.
public enum SyntheticShape: String, CaseIterable, Sendable {
    /// The shape of the embedded checkpoint tiny-llamba-bytes (Bamba, D 128, 4 layers, untied head).
    case tiny
    /// Llamba-1B (DESIGN.md §3) as a Bamba model with Mamba-2 mixers: D 2048, 16 layers, MLP 8192,
    /// 32 heads × 64, N 64, G 1, conv 4, vocabulary 128256, lm_head **tied** to the embedding (as in
    /// Cartesia's Llamba-1B): I = H·P = 2048, in_proj 2048 → 4256 ([z 2048, xBC 2176, dt 32]),
    /// 1.27 B parameters, 5.10 GB in fp32.
    case llamba1b = "llamba-1b"

    public var modelShape: ModelShape {
        switch self {
        case .tiny:
            return Self.bamba(dModel: 128, layers: 4, vocab: 256, heads: 8, headDim: 32, groups: 1, dState: 32,
                              convKernel: 4, mlpHidden: 384, tied: false)
        case .llamba1b:
            return Self.bamba(dModel: 2048, layers: 16, vocab: 128_256, heads: 32, headDim: 64, groups: 1, dState: 64,
                              convKernel: 4, mlpHidden: 8192, tied: true)
        }
    }

    /// A Bamba (Mamba-2 mixer + SwiGLU MLP) shape; in_proj rows are [z I, xBC I + 2GN, dt H].
    public static func bamba(dModel: Int, layers: Int, vocab: Int, heads: Int, headDim: Int, groups: Int, dState: Int,
                             convKernel: Int, mlpHidden: Int, tied: Bool) -> ModelShape {
        let inner = heads * headDim
        return ModelShape(architecture: "bamba", dModel: dModel, layers: layers, vocabSize: vocab, dInner: inner,
                          heads: heads, headDim: headDim, groups: groups, dState: dState, convKernel: convKernel,
                          mlpHidden: mlpHidden, inProjRows: 2 * inner + 2 * groups * dState + heads, tiedHead: tied)
    }
}

/// Deterministic random weights for a Bamba-shaped `LanguageModel`, for benchmarks (no download).
///
/// Generator (counter-based, so any element can be computed on its own): with `mix(z)` one SplitMix64
/// step (z + φ, then the SplitMix64 finaliser; φ = 0x9E3779B97F4A7C15), every tensor has a name
/// (`layers.3.mixer.in_proj`, …) and a seed `ts = mix(seed ^ fnv1a64(name))`; elements 2k and 2k + 1
/// take the top and the low 24 bits of `mix(ts + k·φ)` as u = bits / 2²⁴ ∈ [0, 1). Element j of a
/// projection is its j-th value in column-major order (`weights[i·fanOut + o]`, i.e. W[o, i]). The
/// value of an element therefore depends only on (seed, name, j): the same for every thread count;
/// tensors are filled in parallel chunks straight into their final layout (column-major
/// projections, a row-major embedding shared by a tied head), so no weight is copied or transposed.
///
/// Distributions (PyTorch defaults / Mamba-2 initialisation):
/// - projections W ~ U(−1/√fanIn, 1/√fanIn) (nn.Linear), no biases (Bamba: mamba_proj_bias, mlp_bias false);
/// - embedding ~ U(−√3·0.02, √3·0.02) (std 0.02, transformers' initializer_range);
///   an untied head is a projection like the others;
/// - conv1d taps and bias ~ U(−1/√K, 1/√K) (depthwise nn.Conv1d);
/// - dt_bias = softplus⁻¹(dt), dt log-uniform in [0.001, 0.1]; A_log = ln U(1, 16); D = 1;
/// - every norm weight = 1; eps 1e-5; time_step_limit (0, ∞); silu after the conv.
///
/// Speed: Llamba-1B's 1.27 G values take a few seconds on 2 threads, mostly the kernel zeroing fresh
/// pages (the values themselves cost ~1 ns per pair).
public enum SyntheticModel {
    /// The default seed ("marsim" in ASCII).
    public static let defaultSeed: UInt64 = 0x6D61_7273_696D

    /// Builds the model. `threads` only changes how fast it is built, never the weights.
    public static func make(shape s: ModelShape, seed: UInt64 = defaultSeed,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> LanguageModel {
        precondition(s.heads * s.headDim == s.dInner && s.inProjRows == 2 * s.dInner + 2 * s.groups * s.dState + s.heads,
                     "SyntheticModel builds Bamba (Mamba-2 mixer) shapes")
        let gen = Generator(seed: seed, threads: threads)
        let D = s.dModel, I = s.dInner, C = s.convChannels, K = s.convKernel, H = s.heads, M = s.mlpHidden, V = s.vocabSize
        let embedding = WeightStorage(floats: gen.uniform("embedding", count: V * D, bound: 0.02 * Float(3).squareRoot()))
        func projection(_ name: String, fanIn: Int, fanOut: Int) -> Projection {
            Projection(fanIn: fanIn, fanOut: fanOut, layout: .columnMajor,
                       weights: gen.uniform(name, count: fanIn * fanOut, bound: 1 / Float(fanIn).squareRoot()), bias: nil)
        }
        var blocks: [BlockWeights] = []
        for layer in 0..<s.layers {
            let p = "layers.\(layer)."
            let convBound = 1 / Float(K).squareRoot()
            let dt = gen.unit(p + "mixer.dt", count: H).map { u in expf(logf(0.001) + u * (logf(0.1) - logf(0.001))) }
            let mixer = MixerWeights.assemble(
                kind: .mamba2,
                inProj: projection(p + "mixer.in_proj", fanIn: D, fanOut: s.inProjRows),
                convWeight: gen.uniform(p + "mixer.conv1d.weight", count: C * K, bound: convBound),
                convBias: gen.uniform(p + "mixer.conv1d.bias", count: C, bound: convBound),
                dtBias: dt.map { $0 + logf(-expm1f(-$0)) },
                aLog: gen.unit(p + "mixer.A_log", count: H).map { logf(1 + 15 * $0) },
                d: [Float](repeating: 1, count: H),
                gatedNormWeight: [Float](repeating: 1, count: I),
                zBias: nil,
                outProj: projection(p + "mixer.out_proj", fanIn: I, fanOut: D))
            let mlp = M > 0 ? MLPWeights.assemble(gateUp: projection(p + "mlp.gate_up_proj", fanIn: D, fanOut: 2 * M),
                                         down: projection(p + "mlp.down_proj", fanIn: M, fanOut: D)) : nil
            blocks.append(BlockWeights.assemble(mixerNorm: [Float](repeating: 1, count: D), mixer: mixer,
                                       mlpNorm: M > 0 ? [Float](repeating: 1, count: D) : nil, mlp: mlp))
        }
        let head = s.tiedHead
            ? Projection(fanIn: D, fanOut: V, layout: .rowMajor, storage: embedding, bias: nil)
            : projection("lm_head", fanIn: D, fanOut: V)
        return LanguageModel(shape: s, hyper: ModelHyperparameters(normEpsilon: 1e-5, gatedNormEpsilon: 1e-5,
                                                                   timeStepLimit: (0, .infinity), convSiLU: true),
                             embedding: embedding, blocks: blocks, finalNorm: [Float](repeating: 1, count: D), lmHead: head)
    }

    /// Parameters of a model: every weight value once (a tied head shares the embedding's).
    public static func parameterCount(_ m: LanguageModel) -> Int {
        func projection(_ p: Projection) -> Int { p.storage.count + (p.bias?.count ?? 0) }
        var n = m.embedding.count + m.finalNorm.count
        for b in m.blocks {
            let x = b.mixer
            n += b.mixerNorm.count + projection(x.inProj) + x.convWeight.count + (x.convBias?.count ?? 0)
            n += (x.dtBias?.count ?? 0) + (x.aLog?.count ?? 0) + x.d.count + (x.gatedNormWeight?.count ?? 0)
            n += (x.zBias?.count ?? 0) + projection(x.outProj) + (b.mlpNorm?.count ?? 0)
            if let mlp = b.mlp { n += projection(mlp.gateUp) + projection(mlp.down) }
        }
        if !m.shape.tiedHead { n += projection(m.lmHead) }
        return n
    }

    /// Bytes of the model's weights as held in memory (fp32).
    public static func weightBytes(_ m: LanguageModel) -> Int { parameterCount(m) * MemoryLayout<Float>.size }

    /// The counter-based generator described on `SyntheticModel`.
    struct Generator {
        let seed: UInt64
        let threads: Int
        static let chunk = 1 << 20

        @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
            var z = x &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        func tensorSeed(_ name: String) -> UInt64 {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            return Self.mix(seed ^ h)
        }

        /// `count` values a·(2u − 1), u ∈ [0, 1) as documented.
        func uniform(_ name: String, count: Int, bound a: Float) -> [Float] {
            fill(name, count: count, scale: 2 * a, offset: -a)
        }

        /// `count` values u ∈ [0, 1).
        func unit(_ name: String, count: Int) -> [Float] { fill(name, count: count, scale: 1, offset: 0) }

        private func fill(_ name: String, count: Int, scale: Float, offset: Float) -> [Float] {
            let ts = tensorSeed(name)
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                guard let base = buffer.baseAddress else { initialized = 0; return }
                let address = Int(bitPattern: base)
                let chunks = (count + Self.chunk - 1) / Self.chunk
                let body: @Sendable (Int) -> Void = { c in
                    let out = UnsafeMutablePointer<Float>(bitPattern: address)!
                    let lo = c * Self.chunk, hi = min(count, lo + Self.chunk)
                    let unit = Float(1) / Float(1 << 24)
                    var j = lo
                    if j & 1 == 1 {
                        out[j] = Float(Self.mix(ts &+ UInt64(j >> 1) &* 0x9E37_79B9_7F4A_7C15) & 0xFF_FFFF) * unit * scale + offset
                        j += 1
                    }
                    while j + 1 < hi {
                        let r = Self.mix(ts &+ UInt64(j >> 1) &* 0x9E37_79B9_7F4A_7C15)
                        out[j] = Float(r >> 40) * unit * scale + offset
                        out[j + 1] = Float(r & 0xFF_FFFF) * unit * scale + offset
                        j += 2
                    }
                    if j < hi {
                        out[j] = Float(Self.mix(ts &+ UInt64(j >> 1) &* 0x9E37_79B9_7F4A_7C15) >> 40) * unit * scale + offset
                    }
                }
                if threads > 1 && chunks > 1 {
                    DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
                } else {
                    for c in 0..<chunks { body(c) }
                }
                initialized = count
            }
        }
    }
}
