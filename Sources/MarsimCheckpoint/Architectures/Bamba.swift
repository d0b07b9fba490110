import Foundation
import MarsimCore

/// Adapter for transformers' `BambaForCausalLM` *without attention layers* (`attn_layer_indices: []`):
/// Llamba-shaped blocks, a Mamba-2 mixer (`mamba.*`) then a SwiGLU MLP (`feed_forward.*`).
///
/// Tensors: `model.embed_tokens.weight`, `model.layers.i.{input_layernorm, mamba.*, pre_ff_layernorm,
/// feed_forward.{gate_proj, up_proj, down_proj}}`, `model.final_layernorm.weight`, `lm_head.weight`.
public enum BambaArchitecture: ArchitectureAdapter {
    public static let name = "bamba"
    public static let identifiers = ["BambaForCausalLM", "bamba"]

    /// config.json keys, with transformers' `BambaConfig` defaults for optional ones.
    public struct Config: Decodable, Sendable {
        var hiddenSize, numHiddenLayers, vocabSize, intermediateSize: Int
        var nHeads, nGroups, dState, expand, dConv: Int
        /// nil when config.json says "auto".
        var dHead: Int?
        var rmsNormEps: Double
        var attnLayerIndices: [Int]
        var timeStepLimit: [FlexibleDouble]
        var tieWordEmbeddings, projBias, convBias, mlpBias: Bool
        var hiddenAct: String

        enum CodingKeys: String, CodingKey {
            case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers", vocabSize = "vocab_size"
            case intermediateSize = "intermediate_size", nHeads = "mamba_n_heads", dHead = "mamba_d_head"
            case nGroups = "mamba_n_groups", dState = "mamba_d_state", expand = "mamba_expand", dConv = "mamba_d_conv"
            case rmsNormEps = "rms_norm_eps", attnLayerIndices = "attn_layer_indices", timeStepLimit = "time_step_limit"
            case tieWordEmbeddings = "tie_word_embeddings", projBias = "mamba_proj_bias", convBias = "mamba_conv_bias"
            case mlpBias = "mlp_bias", hiddenAct = "hidden_act"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            hiddenSize = try c.decodeInteger(forKey: .hiddenSize)
            numHiddenLayers = try c.decodeInteger(forKey: .numHiddenLayers)
            vocabSize = try c.decodeInteger(forKey: .vocabSize)
            intermediateSize = try c.decodeInteger(forKey: .intermediateSize)
            nHeads = try c.decodeInteger(forKey: .nHeads)
            dState = try c.decodeInteger(forKey: .dState)
            // Defaults as in transformers' BambaConfig.__init__.
            nGroups = try c.decodeIntegerIfPresent(forKey: .nGroups) ?? 1
            expand = try c.decodeIntegerIfPresent(forKey: .expand) ?? 2
            dConv = try c.decodeIntegerIfPresent(forKey: .dConv) ?? 4
            // BambaConfig accepts mamba_d_head = "auto" (mamba_expand × hidden_size / mamba_n_heads).
            dHead = (try? c.decode(String.self, forKey: .dHead)) == "auto" ? nil : try c.decodeInteger(forKey: .dHead)
            rmsNormEps = try c.decodeIfPresent(FlexibleDouble.self, forKey: .rmsNormEps)?.value ?? 1e-5
            attnLayerIndices = try c.decodeIfPresent([Int].self, forKey: .attnLayerIndices) ?? []
            timeStepLimit = try c.decodeIfPresent([FlexibleDouble].self, forKey: .timeStepLimit) ?? [.init(0), .init(.infinity)]
            tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
            projBias = try c.decodeIfPresent(Bool.self, forKey: .projBias) ?? false
            convBias = try c.decodeIfPresent(Bool.self, forKey: .convBias) ?? true
            mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlpBias) ?? false
            hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
        }
    }

    /// Bamba's names for the mixer dimensions, for error messages.
    static let keys = MixerDimensions.Keys(dModel: "hidden_size", heads: "mamba_n_heads", headDim: "mamba_d_head",
                                           groups: "mamba_n_groups", dState: "mamba_d_state", convKernel: "mamba_d_conv",
                                           expand: "mamba_expand")

    /// mamba_d_head, or for "auto" mamba_expand × hidden_size / mamba_n_heads as BambaConfig computes it.
    static func headDim(_ config: Config, configURL: URL) throws -> Int {
        if let dHead = config.dHead { return dHead }
        try validateDimension(configURL: configURL, key: "mamba_n_heads", config.nHeads)
        let (width, overflow) = config.expand.multipliedReportingOverflow(by: config.hiddenSize)
        guard !overflow, width % config.nHeads == 0 else {
            throw CheckpointError.malformedConfig(
                path: configURL.path,
                reason: "mamba_d_head is \"auto\" but mamba_n_heads (\(config.nHeads)) does not divide mamba_expand × hidden_size (\(config.expand) × \(config.hiddenSize))")
        }
        return width / config.nHeads
    }

    /// Decodes and validates config.json (attention layers and non-silu activations are refused),
    /// then reads every tensor at the shape it implies; any tensor left unread is an error.
    public static func load(configURL: URL, store: TensorStore) throws -> LanguageModel {
        let config = try ConfigFile.decode(Config.self, from: configURL)
        if !config.attnLayerIndices.isEmpty {
            throw CheckpointError.unsupportedArchitecture(
                path: configURL.path,
                reason: "Bamba with attention layers \(config.attnLayerIndices) — marsim runs attention-free (Llamba-shaped) Bamba only; set attn_layer_indices to []")
        }
        try validateActivation(configURL: configURL, config.hiddenAct)
        let mixer = MixerDimensions(dModel: config.hiddenSize, heads: config.nHeads, headDim: try headDim(config, configURL: configURL),
                                    groups: config.nGroups, dState: config.dState, convKernel: config.dConv, keys: keys)
        try mixer.validate(configURL: configURL, expand: config.expand)
        try validateCommon(configURL: configURL, layers: config.numHiddenLayers, vocab: config.vocabSize, timeStepLimit: config.timeStepLimit)
        try validateDimension(configURL: configURL, key: "intermediate_size", config.intermediateSize)
        try validateEpsilon(configURL: configURL, key: "rms_norm_eps", config.rmsNormEps)
        let D = config.hiddenSize, V = config.vocabSize, M = config.intermediateSize
        let shape = mixer.shape(architecture: name, layers: config.numHiddenLayers, vocab: V, mlpHidden: M,
                                tied: config.tieWordEmbeddings, inProjRows: mixer.mamba2InProjRows)
        var reader = WeightReader(store: store)
        let embedding = try reader.storage("model.embed_tokens.weight", [V, D])
        var blocks: [BlockWeights] = []
        for i in 0..<config.numHiddenLayers {
            let p = "model.layers.\(i)."
            let inputNorm = try reader.tensor(p + "input_layernorm.weight", [D])
            let m = try readMamba2Mixer(&reader, prefix: p + "mamba.", dims: mixer, bias: config.projBias, convBias: config.convBias)
            let ffNorm = try reader.tensor(p + "pre_ff_layernorm.weight", [D])
            let mlp = try readSwiGLU(&reader, prefix: p + "feed_forward.", dModel: D, hidden: M, bias: config.mlpBias)
            blocks.append(BlockWeights(mixerNorm: inputNorm, mixer: m, mlpNorm: ffNorm, mlp: mlp))
        }
        let finalNorm = try reader.tensor("model.final_layernorm.weight", [D])
        let head = try readHead(&reader, name: "lm_head.weight", tied: config.tieWordEmbeddings, embedding: embedding, vocab: V, dModel: D)
        try reader.checkAllUsed()
        let eps = Float(config.rmsNormEps)
        let limit = (Float(config.timeStepLimit[0].value), Float(config.timeStepLimit[1].value))
        return LanguageModel(shape: shape, hyper: ModelHyperparameters(normEpsilon: eps, gatedNormEpsilon: eps, timeStepLimit: limit, convSiLU: true),
                             embedding: embedding, blocks: blocks, finalNorm: finalNorm, lmHead: head)
    }
}

/// Reads `gate_proj`, `up_proj`, `down_proj` under `prefix`; gate and up become one projection.
func readSwiGLU(_ reader: inout WeightReader, prefix p: String, dModel D: Int, hidden M: Int, bias: Bool) throws -> MLPWeights {
    let gateUp = try reader.stackedLinear([p + "gate_proj", p + "up_proj"], fanOuts: [M, M], fanIn: D, bias: bias)
    let down = try reader.linear(p + "down_proj", fanOut: D, fanIn: M, bias: bias)
    return MLPWeights(gateUp: gateUp, down: down)
}
