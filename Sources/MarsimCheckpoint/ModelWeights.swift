import MarsimCore

/// A linear projection `y = W·x + b`, stored so that one input channel's weights are contiguous.
///
/// Weights are kept *column-major* (`columns[i * fanOut ..< (i + 1) * fanOut]` is W[:, i]): an
/// event on input channel i then reads one contiguous run of memory, and the dense product is the
/// same loop over all channels. A tied language-model head keeps the embedding's row-major layout
/// instead (`layout == .rowMajor`, rows = W[o, :]), so no second copy of the vocabulary is made.
public struct Projection: Sendable {
    public enum Layout: Sendable { case columnMajor, rowMajor }

    /// Input channels (neurons, when the projection spikes).
    public let fanIn: Int
    /// Output channels.
    public let fanOut: Int
    public let layout: Layout
    /// fanIn × fanOut values in `layout` order.
    public let weights: [Float]
    public let bias: [Float]?

    /// Builds a projection from a PyTorch `[fanOut, fanIn]` row-major weight.
    public init(torchWeight: [Float], fanOut: Int, fanIn: Int, bias: [Float]?) {
        precondition(torchWeight.count == fanOut * fanIn)
        var columns = [Float](repeating: 0, count: fanIn * fanOut)
        torchWeight.withUnsafeBufferPointer { src in
            columns.withUnsafeMutableBufferPointer { dst in
                for o in 0..<fanOut {
                    for i in 0..<fanIn { dst[i * fanOut + o] = src[o * fanIn + i] }
                }
            }
        }
        self.init(fanIn: fanIn, fanOut: fanOut, layout: .columnMajor, weights: columns, bias: bias)
    }

    public init(fanIn: Int, fanOut: Int, layout: Layout, weights: [Float], bias: [Float]?) {
        precondition(weights.count == fanIn * fanOut)
        self.fanIn = fanIn
        self.fanOut = fanOut
        self.layout = layout
        self.weights = weights
        self.bias = bias
    }

    /// The same projection in column-major layout (a copy when it is row-major).
    public func columnMajor() -> Projection {
        if layout == .columnMajor { return self }
        return Projection(torchWeight: weights, fanOut: fanOut, fanIn: fanIn, bias: bias)
    }

    /// Weight W[o, i].
    @inlinable public func weight(out o: Int, in i: Int) -> Float {
        layout == .columnMajor ? weights[i * fanOut + o] : weights[o * fanIn + i]
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
    /// (V, D) row-major.
    public var embedding: [Float]
    public var blocks: [BlockWeights]
    /// (D)
    public var finalNorm: [Float]
    /// D → V.
    public var lmHead: Projection

    public init(shape: ModelShape, hyper: ModelHyperparameters, embedding: [Float], blocks: [BlockWeights],
                finalNorm: [Float], lmHead: Projection) {
        self.shape = shape
        self.hyper = hyper
        self.embedding = embedding
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.lmHead = lmHead
    }
}
