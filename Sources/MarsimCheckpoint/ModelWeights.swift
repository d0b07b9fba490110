import Foundation
import MarsimCore

/// A linear projection `y = W·x + b`.
///
/// Two layouts. *Row-major* (`rows = W[o, :]`) is how PyTorch stores a Linear: checkpoint weights
/// stay that way and are used in place from the mapped file, in their stored element type (fp32,
/// bf16, f16). *Column-major* (`columns[i * fanOut ..< (i + 1) * fanOut]` is W[:, i]) is what event
/// delivery needs: an event on input channel i reads one contiguous run of memory. Spiking sites
/// get a column-major fp32 copy (`columnMajor()`, or the on-disk column cache) when they spike.
public struct Projection: Sendable {
    public enum Layout: Sendable { case columnMajor, rowMajor }

    /// Input channels (neurons, when the projection spikes).
    public let fanIn: Int
    /// Output channels.
    public let fanOut: Int
    public let layout: Layout
    /// fanIn × fanOut values in `layout` order.
    public let storage: WeightStorage
    public let bias: [Float]?

    /// Builds a column-major fp32 projection from a PyTorch `[fanOut, fanIn]` row-major weight.
    public init(torchWeight: [Float], fanOut: Int, fanIn: Int, bias: [Float]?) {
        precondition(torchWeight.count == fanOut * fanIn)
        let rows = WeightStorage(floats: torchWeight)
        self = Projection(fanIn: fanIn, fanOut: fanOut, layout: .rowMajor, storage: rows, bias: bias).columnMajor()
    }

    /// A projection over owned fp32 values in `layout` order.
    public init(fanIn: Int, fanOut: Int, layout: Layout, weights: [Float], bias: [Float]?) {
        self.init(fanIn: fanIn, fanOut: fanOut, layout: layout, storage: WeightStorage(floats: weights), bias: bias)
    }

    /// A projection over `storage` (owned or a view of a mapped file) in `layout` order.
    public init(fanIn: Int, fanOut: Int, layout: Layout, storage: WeightStorage, bias: [Float]?) {
        precondition(storage.count == fanIn * fanOut)
        precondition(layout == .rowMajor || storage.element == .f32, "column-major weights are fp32")
        self.fanIn = fanIn
        self.fanOut = fanOut
        self.layout = layout
        self.storage = storage
        self.bias = bias
    }

    /// Every weight widened to fp32, in `layout` order (a copy; for tests and inspection).
    public var weights: [Float] { storage.widened() }

    /// The same projection in column-major fp32 layout: itself when it already is, else a
    /// transposed copy (`WeightStorage.widenTransposed`).
    public func columnMajor() -> Projection {
        if layout == .columnMajor { return self }
        let columns = WeightStorage(element: .f32, count: fanIn * fanOut) { raw in
            Self.transpose(storage, rows: fanOut, columns: fanIn, into: raw.assumingMemoryBound(to: Float.self))
        }
        return Projection(fanIn: fanIn, fanOut: fanOut, layout: .columnMajor, storage: columns, bias: bias)
    }

    /// Writes the transpose of the `rows × columns` row-major matrix in `source` to `out` (columns × rows), fp32.
    public static func transpose(_ source: WeightStorage, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
        source.widenTransposed(rows: 0..<rows, columns: columns, into: out)
    }

    /// Weight W[o, i].
    @inlinable public func weight(out o: Int, in i: Int) -> Float {
        storage.value(at: layout == .columnMajor ? i * fanOut + o : o * fanIn + i)
    }
}

/// Which state-space mixer a block uses.
public enum MixerKind: String, Sendable {
    /// transformers' Mamba2Mixer / BambaMixer: dt with dt_bias and clamping, gated group-wise RMSNorm.
    case mamba2
    /// Cartesia's DiscreteMamba2 (Llamba): dt = softplus(A_log), no dt on the input, silu(z + z_bias) gate.
    case discreteMamba2
}

/// The weights of one state-space mixer (DESIGN.md §3). Shapes use H heads, P head_dim, G groups,
/// N d_state, K conv kernel, I = H·P, C = I + 2·G·N conv channels.
public struct MixerWeights: Sendable {
    public var kind: MixerKind
    /// D → in_proj rows (Mamba2: [z I, xBC C, dt H]; DiscreteMamba2: [xBC C, z I, A_log H]).
    public var inProj: Projection
    /// (C, K) depthwise conv taps, row c = channel c's kernel.
    public var convWeight: [Float]
    /// (C) or nil.
    public var convBias: [Float]?
    /// (H) Mamba2 only.
    public var dtBias: [Float]?
    /// (H) Mamba2 only: A = −exp(A_log).
    public var aLog: [Float]?
    /// (H) skip weight: per head (Mamba2) — DiscreteMamba2 also stores (H).
    public var d: [Float]
    /// (I) gated RMSNorm weight, Mamba2 only.
    public var gatedNormWeight: [Float]?
    /// (I) DiscreteMamba2 only.
    public var zBias: [Float]?
    /// I → D.
    public var outProj: Projection
}

/// SwiGLU MLP: `down(silu(gate(h)) * up(h))`. gate and up share one input, so they are one
/// projection of 2·M rows (gate rows first, then up rows).
public struct MLPWeights: Sendable {
    public var gateUp: Projection
    public var down: Projection
}

/// One block: `x += Mixer(RMSNorm(x))`, then (when present) `x += MLP(RMSNorm(x))`.
public struct BlockWeights: Sendable {
    public var mixerNorm: [Float]
    public var mixer: MixerWeights
    public var mlpNorm: [Float]?
    public var mlp: MLPWeights?
}

/// Numbers the forward pass needs beyond the shape.
public struct ModelHyperparameters: Sendable, Equatable {
    /// RMSNorm epsilon for the block and final norms.
    public var normEpsilon: Float
    /// Epsilon of the mixer's gated norm.
    public var gatedNormEpsilon: Float
    /// (min, max) clamp for dt after softplus (Mamba2).
    public var timeStepLimit: (Float, Float)
    /// Whether the conv output goes through silu (Mamba2) or stays as is (DiscreteMamba2 "identity").
    public var convSiLU: Bool

    public static func == (a: Self, b: Self) -> Bool {
        a.normEpsilon == b.normEpsilon && a.gatedNormEpsilon == b.gatedNormEpsilon
            && a.timeStepLimit == b.timeStepLimit && a.convSiLU == b.convSiLU
    }

    public init(normEpsilon: Float, gatedNormEpsilon: Float, timeStepLimit: (Float, Float), convSiLU: Bool) {
        self.normEpsilon = normEpsilon
        self.gatedNormEpsilon = gatedNormEpsilon
        self.timeStepLimit = timeStepLimit
        self.convSiLU = convSiLU
    }
}

/// A whole language model in marsim's architecture-neutral form: what every adapter produces and
/// what the engine runs.
public struct LanguageModel: Sendable {
    public var shape: ModelShape
    public var hyper: ModelHyperparameters
    /// (V, D) row-major, in the checkpoint's element type (used in place).
    public var embedding: WeightStorage
    public var blocks: [BlockWeights]
    /// (D)
    public var finalNorm: [Float]
    /// D → V.
    public var lmHead: Projection
    /// The checkpoint the weights were loaded from (nil for models built in memory), for caches.
    public var source: WeightSource?

    public init(shape: ModelShape, hyper: ModelHyperparameters, embedding: WeightStorage, blocks: [BlockWeights],
                finalNorm: [Float], lmHead: Projection) {
        self.shape = shape
        self.hyper = hyper
        self.embedding = embedding
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.lmHead = lmHead
    }
}

extension LanguageModel {
    /// Every weight matrix a run reads: the embedding, each block's projections and the head.
    public var weightStorages: [WeightStorage] {
        var all = [embedding]
        for block in blocks {
            all += [block.mixer.inProj.storage, block.mixer.outProj.storage]
            if let mlp = block.mlp { all += [mlp.gateUp.storage, mlp.down.storage] }
        }
        if lmHead.storage !== embedding { all.append(lmHead.storage) }
        return all
    }

    /// Maps the pages of every mapped weight into this process before the run (owned weights are
    /// untouched), on `threads` workers: part of loading, as in llama.cpp, instead of page faults
    /// during the first token. Only the weights this model reads are mapped, so a projection
    /// replaced by its column-cache copy stays out of the resident set.
    public func populateMappedWeights(threads: Int) {
        let storages = weightStorages.filter(\.isMapped)
        let workers = max(1, min(threads, storages.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for k in stride(from: worker, to: storages.count, by: workers) {
                storages[k].populatePages()
            }
        }
    }
}
