// Reproduces the checkpoint layout and config semantics of Cartesia's Llamba (cartesia-ai/edge,
// cartesia_pytorch/Llamba: LlambaConfig, LlambaLMHeadModel; mixer = goombalab/phi-mamba DiscreteMamba2).
import Foundation
import MarsimCore

/// Adapter for Cartesia's Llamba checkpoints (`model_type: "llamba"`; DESIGN.md §3).
///
/// Each block is `x += DiscreteMamba2(RMSNorm(x))`, then `x += SwiGLU(RMSNorm(x))`.
///
/// Tensors (V' = vocab rounded up to `pad_vocab_size_multiple`, C = I + 2·G·N, I = expand·D):
/// - `backbone.embedding.weight` [V', D]
/// - `backbone.layers.i.input_layernorm.weight` [D]
/// - `backbone.layers.i.mixer.in_proj.weight` [C + I + H, D] (rows `[xBC, z, A_log]`; `.bias` iff `ssm_cfg.bias`)
/// - `backbone.layers.i.mixer.conv1d.weight` [C, 1, K], `conv1d.bias` [C] (iff `ssm_cfg.conv_bias`)
/// - `backbone.layers.i.mixer.z_bias` [I] (only when `ssm_cfg.bias` is false — phi-mamba makes it a
///   constant 0 otherwise), `mixer.D` [H] (one skip weight per head), `mixer.out_proj.weight` [D, I]
/// - `backbone.layers.i.post_attention_layernorm.weight` [D], `mlp.{gate_proj, up_proj}.weight` [M, D],
///   `mlp.down_proj.weight` [D, M] (`.bias` iff `mlp_cfg.bias`)
/// - `backbone.final_layernorm.weight` [D]
/// - `lm_head.weight` [V', D] (+ `lm_head.bias` iff `lm_head_bias`) only when `tie_embeddings` is false.
///
/// **Vocabulary padding.** Cartesia's model rounds `vocab_size` up to a multiple of
/// `pad_vocab_size_multiple` and builds the embedding and head with that many rows; its logits cover
/// the padded rows, and the `config.json` its `save_pretrained` writes already holds the padded size.
/// marsim loads the rows the tensors hold: V' (the padded size) normally, or exactly `vocab_size`
/// when a converter stripped the padding. The model's vocabulary (`ModelShape.vocabSize`, the
/// logits' length) is that row count, so logits — and a softmax over them — match the reference's.
/// Padded rows are never produced by a tokenizer; their logits are reported like any other.
///
/// **Norm epsilon.** Cartesia's blocks construct their two RMSNorms with eps 1e-5 whatever the
/// config says, and only the final norm uses `norm_epsilon`. marsim has one epsilon for all norms,
/// so a `norm_epsilon` other than 1e-5 is rejected rather than silently mis-modelled.
public enum LlambaArchitecture: ArchitectureAdapter {
    public static let name = "llamba"
    public static let identifiers = ["llamba", "LlambaForCausalLM"]

    /// The epsilon Cartesia's blocks hard-code for `input_layernorm` and `post_attention_layernorm`.
    static let blockNormEpsilon = 1e-5

    /// config.json keys, with `LlambaConfig`'s defaults for optional top-level keys.
    public struct Config: Decodable, Sendable {
        var dModel, nLayer, vocabSize, padVocabSizeMultiple: Int
        var tieEmbeddings, lmHeadBias: Bool
        var normEpsilon: Double
        var mlp: MLPConfig
        var ssm: SSMConfig

        enum CodingKeys: String, CodingKey {
            case dModel = "d_model", nLayer = "n_layer", vocabSize = "vocab_size"
            case padVocabSizeMultiple = "pad_vocab_size_multiple", tieEmbeddings = "tie_embeddings"
            case lmHeadBias = "lm_head_bias", normEpsilon = "norm_epsilon", mlp = "mlp_cfg", ssm = "ssm_cfg"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            dModel = try c.decode(Int.self, forKey: .dModel)
            vocabSize = try c.decode(Int.self, forKey: .vocabSize)
            // Defaults as in LlambaConfig.__init__ (a missing mlp_cfg / ssm_cfg takes its default dict).
            nLayer = try c.decodeIfPresent(Int.self, forKey: .nLayer) ?? 32
            padVocabSizeMultiple = try c.decodeIfPresent(Int.self, forKey: .padVocabSizeMultiple) ?? 8
            tieEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieEmbeddings) ?? false
            lmHeadBias = try c.decodeIfPresent(Bool.self, forKey: .lmHeadBias) ?? false
            normEpsilon = try c.decodeIfPresent(Double.self, forKey: .normEpsilon) ?? 1e-5
            mlp = try c.decodeIfPresent(MLPConfig.self, forKey: .mlp) ?? MLPConfig()
            ssm = try c.decodeIfPresent(SSMConfig.self, forKey: .ssm) ?? SSMConfig()
        }
    }

    /// `mlp_cfg`: the keyword arguments of Cartesia's `LlamaMLP`.
    public struct MLPConfig: Decodable, Sendable {
        var intermediateSize = 14336
        var bias = false
        var actFn = "silu"

        enum CodingKeys: String, CodingKey {
            case intermediateSize = "intermediate_size", bias, actFn = "act_fn"
        }

        init() {}

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
            bias = try c.decodeIfPresent(Bool.self, forKey: .bias) ?? false
            actFn = try c.decodeIfPresent(String.self, forKey: .actFn) ?? "silu"
        }
    }

    /// `ssm_cfg`: the keyword arguments of `DiscreteMamba2`, with its defaults. `chunk_size` only
    /// sets the block length of the parallel (chunked) scan, so it does not change a decode step.
    public struct SSMConfig: Decodable, Sendable {
        var dState = 64
        var nVHeads = 32
        var nQKHeads = 32
        var expand = 1
        var dConv = 4
        var activation = "identity"
        var bias = false
        var convBias = true
        var chunkSize = 128

        enum CodingKeys: String, CodingKey {
            case dState = "d_state", nVHeads = "n_v_heads", nQKHeads = "n_qk_heads", expand, dConv = "d_conv"
            case activation, bias, convBias = "conv_bias", chunkSize = "chunk_size"
        }

        init() {}

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            dState = try c.decodeIfPresent(Int.self, forKey: .dState) ?? dState
            nVHeads = try c.decodeIfPresent(Int.self, forKey: .nVHeads) ?? nVHeads
            nQKHeads = try c.decodeIfPresent(Int.self, forKey: .nQKHeads) ?? nQKHeads
            expand = try c.decodeIfPresent(Int.self, forKey: .expand) ?? expand
            dConv = try c.decodeIfPresent(Int.self, forKey: .dConv) ?? dConv
            activation = try c.decodeIfPresent(String.self, forKey: .activation) ?? activation
            bias = try c.decodeIfPresent(Bool.self, forKey: .bias) ?? bias
            convBias = try c.decodeIfPresent(Bool.self, forKey: .convBias) ?? convBias
            chunkSize = try c.decodeIfPresent(Int.self, forKey: .chunkSize) ?? chunkSize
        }
    }

    /// `vocab` rounded up to a multiple of `multiple` (LlambaLMHeadModel.__init__), or nil when
    /// that does not fit in an `Int` (both numbers come from config.json).
    static func paddedVocab(_ vocab: Int, multiple: Int) -> Int? {
        guard vocab >= 0, multiple > 0 else { return nil }
        let remainder = vocab % multiple
        guard remainder != 0 else { return vocab }
        let (padded, overflow) = vocab.addingReportingOverflow(multiple - remainder)
        return overflow ? nil : padded
    }

    /// The padded vocabulary, which sizes the embedding: it obeys the same bound as vocab_size.
    static func checkedPaddedVocab(_ config: Config, configURL: URL) throws -> Int {
        guard let padded = paddedVocab(config.vocabSize, multiple: config.padVocabSizeMultiple), padded <= 10_000_000 else {
            throw CheckpointError.malformedConfig(path: configURL.path, reason:
                "vocab_size \(config.vocabSize) rounded up to a multiple of pad_vocab_size_multiple \(config.padVocabSizeMultiple) exceeds 10000000 rows")
        }
        return padded
    }

    /// Checks the config and returns the mixer dimensions it implies.
    static func validate(_ config: Config, configURL: URL) throws -> MixerDimensions {
        func bad(_ reason: String) -> CheckpointError { .malformedConfig(path: configURL.path, reason: reason) }
        func unsupported(_ reason: String) -> CheckpointError { .unsupportedArchitecture(path: configURL.path, reason: reason) }
        let ssm = config.ssm
        // Bound every dimension before any product of them (see MixerDimensions.maxDimension).
        for (key, value) in [("d_model", config.dModel), ("mlp_cfg.intermediate_size", config.mlp.intermediateSize),
                             ("ssm_cfg.expand", ssm.expand), ("ssm_cfg.n_v_heads", ssm.nVHeads),
                             ("ssm_cfg.n_qk_heads", ssm.nQKHeads), ("ssm_cfg.d_state", ssm.dState), ("ssm_cfg.d_conv", ssm.dConv)] {
            try validateDimension(configURL: configURL, key: key, value)
        }
        if config.nLayer <= 0 || config.nLayer > 10_000 { throw bad("n_layer must be in 1...10000, got \(config.nLayer)") }
        if config.padVocabSizeMultiple <= 0 {
            throw bad("pad_vocab_size_multiple must be positive, got \(config.padVocabSizeMultiple)")
        }
        if config.normEpsilon != blockNormEpsilon {
            throw unsupported("norm_epsilon \(config.normEpsilon): Cartesia's blocks use 1e-5 for their norms and norm_epsilon only for the final norm; marsim supports norm_epsilon = 1e-5 only")
        }
        if !["silu", "swish"].contains(config.mlp.actFn) {
            throw unsupported("mlp_cfg.act_fn '\(config.mlp.actFn)' (only silu is supported)")
        }
        if !["identity", "silu", "swish"].contains(ssm.activation) {
            throw unsupported("ssm_cfg.activation '\(ssm.activation)' (DiscreteMamba2 supports identity, silu, swish)")
        }
        if ssm.nVHeads % ssm.nQKHeads != 0 {
            throw bad("ssm_cfg.n_v_heads (\(ssm.nVHeads)) must be a multiple of ssm_cfg.n_qk_heads (\(ssm.nQKHeads))")
        }
        let inner = ssm.expand * config.dModel
        if inner % ssm.nVHeads != 0 {
            throw bad("ssm_cfg.expand × d_model = \(inner) is not a multiple of ssm_cfg.n_v_heads (\(ssm.nVHeads))")
        }
        // Head dim P = expand·d_model / n_v_heads; B and C have n_qk_heads groups.
        let dims = MixerDimensions(dModel: config.dModel, heads: ssm.nVHeads, headDim: inner / ssm.nVHeads,
                                   groups: ssm.nQKHeads, dState: ssm.dState, convKernel: ssm.dConv)
        try dims.validate(configURL: configURL, expandedWidth: inner)
        try validateCommon(configURL: configURL, layers: config.nLayer, vocab: config.vocabSize, timeStepLimit: nil)
        _ = try checkedPaddedVocab(config, configURL: configURL)
        return dims
    }

    public static func load(configURL: URL, store: TensorStore) throws -> LanguageModel {
        let config = try ConfigFile.decode(Config.self, from: configURL)
        let dims = try validate(config, configURL: configURL)
        let D = config.dModel, M = config.mlp.intermediateSize, ssm = config.ssm

        // The padded row count, unless the file holds exactly vocab_size rows (padding stripped).
        let padded = try checkedPaddedVocab(config, configURL: configURL)
        let embeddingName = "backbone.embedding.weight"
        let storedRows = store.tensors[embeddingName]?.shape.first
        let V = storedRows == config.vocabSize ? config.vocabSize : padded

        let inProjRows = dims.convChannels + dims.dInner + dims.heads
        let shape = dims.shape(architecture: name, layers: config.nLayer, vocab: V, mlpHidden: M,
                               tied: config.tieEmbeddings, inProjRows: inProjRows)
        var reader = WeightReader(store: store)
        let embedding = try reader.storage(embeddingName, [V, D])
        var blocks: [BlockWeights] = []
        for i in 0..<config.nLayer {
            let p = "backbone.layers.\(i)."
            let inputNorm = try reader.tensor(p + "input_layernorm.weight", [D])
            let mixer = try readDiscreteMamba2Mixer(&reader, prefix: p + "mixer.", dims: dims, inProjRows: inProjRows,
                                                    bias: ssm.bias, convBias: ssm.convBias)
            let mlpNorm = try reader.tensor(p + "post_attention_layernorm.weight", [D])
            let mlp = try readSwiGLU(&reader, prefix: p + "mlp.", dModel: D, hidden: M, bias: config.mlp.bias)
            blocks.append(BlockWeights(mixerNorm: inputNorm, mixer: mixer, mlpNorm: mlpNorm, mlp: mlp))
        }
        let finalNorm = try reader.tensor("backbone.final_layernorm.weight", [D])
        let head: Projection
        if config.tieEmbeddings {
            // Cartesia's tied head is `x @ embedding.T`: no bias, whatever lm_head_bias says.
            head = try readHead(&reader, name: "lm_head.weight", tied: true, embedding: embedding, vocab: V, dModel: D)
        } else {
            guard store.tensors["lm_head.weight"] != nil else {
                throw CheckpointError.missingTensor(name: "lm_head.weight", directory: store.directory.path)
            }
            head = try reader.linear("lm_head", fanOut: V, fanIn: D, bias: config.lmHeadBias)
        }
        try reader.checkAllUsed()
        let eps = Float(config.normEpsilon)
        // No dt clamp and no gated norm in DiscreteMamba2: timeStepLimit and gatedNormEpsilon are unused.
        let hyper = ModelHyperparameters(normEpsilon: eps, gatedNormEpsilon: eps, timeStepLimit: (0, .infinity),
                                         convSiLU: ssm.activation != "identity")
        return LanguageModel(shape: shape, hyper: hyper, embedding: embedding, blocks: blocks,
                             finalNorm: finalNorm, lmHead: head)
    }
}

/// Reads a phi-mamba / Cartesia DiscreteMamba2 mixer under `prefix`.
///
/// With `bias` the projections carry biases and there is no `z_bias` tensor (phi-mamba sets it to
/// the constant 0); without it, `z_bias` [I] is required.
func readDiscreteMamba2Mixer(_ reader: inout WeightReader, prefix p: String, dims: MixerDimensions, inProjRows: Int,
                             bias: Bool, convBias: Bool) throws -> MixerWeights {
    let C = dims.convChannels, H = dims.heads, I = dims.dInner
    let inProj = try reader.linear(p + "in_proj", fanOut: inProjRows, fanIn: dims.dModel, bias: bias)
    let conv = try reader.tensor(p + "conv1d.weight", [C, 1, dims.convKernel])
    let convB = try reader.optional(p + "conv1d.bias", [C], present: convBias)
    let zBias = try reader.optional(p + "z_bias", [I], present: !bias)
    let d = try reader.tensor(p + "D", [H])
    let outProj = try reader.linear(p + "out_proj", fanOut: dims.dModel, fanIn: I, bias: bias)
    return MixerWeights(kind: .discreteMamba2, inProj: inProj, convWeight: conv, convBias: convB, dtBias: nil,
                        aLog: nil, d: d, gatedNormWeight: nil, zBias: zBias, outProj: outProj)
}
