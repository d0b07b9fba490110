import Foundation
import MarsimCore

/// Adapter for transformers' `Mamba2ForCausalLM` (models/mamba2): mixer-only blocks.
///
/// Tensors: `backbone.embeddings.weight` (older files: `backbone.embedding.weight`),
/// `backbone.layers.i.{norm, mixer.{in_proj, conv1d, dt_bias, A_log, D, norm, out_proj}}`,
/// `backbone.norm_f.weight`, `lm_head.weight` (absent when tied). See DESIGN.md §3.
public enum Mamba2Architecture: ArchitectureAdapter {
    public static let name = "mamba2"
    public static let identifiers = ["Mamba2ForCausalLM", "mamba2"]

    /// config.json keys, with transformers' `Mamba2Config` defaults for optional ones.
    public struct Config: Decodable, Sendable {
        var hiddenSize: Int
        var numHiddenLayers: Int
        var vocabSize: Int
        var stateSize: Int
        var numHeads: Int
        var headDim: Int
        var nGroups: Int
        var convKernel: Int
        var expand: Int
        var layerNormEpsilon: Double
        var timeStepLimit: [FlexibleDouble]
        var tieWordEmbeddings: Bool
        var useBias: Bool
        var useConvBias: Bool
        var hiddenAct: String

        enum CodingKeys: String, CodingKey {
            case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers", vocabSize = "vocab_size"
            case stateSize = "state_size", numHeads = "num_heads", headDim = "head_dim", nGroups = "n_groups"
            case convKernel = "conv_kernel", expand, layerNormEpsilon = "layer_norm_epsilon"
            case timeStepLimit = "time_step_limit", tieWordEmbeddings = "tie_word_embeddings"
            case useBias = "use_bias", useConvBias = "use_conv_bias", hiddenAct = "hidden_act"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            hiddenSize = try c.decodeInteger(forKey: .hiddenSize)
            numHiddenLayers = try c.decodeInteger(forKey: .numHiddenLayers)
            vocabSize = try c.decodeInteger(forKey: .vocabSize)
            stateSize = try c.decodeInteger(forKey: .stateSize)
            numHeads = try c.decodeInteger(forKey: .numHeads)
            headDim = try c.decodeInteger(forKey: .headDim)
            // Defaults as in transformers' Mamba2Config.__init__.
            nGroups = try c.decodeIntegerIfPresent(forKey: .nGroups) ?? 1
            convKernel = try c.decodeIntegerIfPresent(forKey: .convKernel) ?? 4
            expand = try c.decodeIntegerIfPresent(forKey: .expand) ?? 2
            layerNormEpsilon = try c.decodeIfPresent(FlexibleDouble.self, forKey: .layerNormEpsilon)?.value ?? 1e-5
            timeStepLimit = try c.decodeIfPresent([FlexibleDouble].self, forKey: .timeStepLimit) ?? [.init(0), .init(.infinity)]
            tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
            useBias = try c.decodeIfPresent(Bool.self, forKey: .useBias) ?? false
            useConvBias = try c.decodeIfPresent(Bool.self, forKey: .useConvBias) ?? true
            hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
        }
    }

    /// Decodes and validates config.json, then reads every tensor at the shape it implies; any
    /// tensor left unread is an error (a sign of a different architecture or a wrong flag).
    public static func load(configURL: URL, store: TensorStore) throws -> LanguageModel {
        let config = try ConfigFile.decode(Config.self, from: configURL)
        let mixer = MixerDimensions(dModel: config.hiddenSize, heads: config.numHeads, headDim: config.headDim,
                                    groups: config.nGroups, dState: config.stateSize, convKernel: config.convKernel)
        try mixer.validate(configURL: configURL, expand: config.expand)
        try validateCommon(configURL: configURL, layers: config.numHiddenLayers, vocab: config.vocabSize,
                           timeStepLimit: config.timeStepLimit)
        try validateEpsilon(configURL: configURL, key: "layer_norm_epsilon", config.layerNormEpsilon)
        try validateActivation(configURL: configURL, config.hiddenAct)
        let shape = mixer.shape(architecture: name, layers: config.numHiddenLayers, vocab: config.vocabSize,
                                mlpHidden: 0, tied: config.tieWordEmbeddings, inProjRows: mixer.mamba2InProjRows)
        var reader = WeightReader(store: store)
        let D = config.hiddenSize, V = config.vocabSize
        let embedding = try reader.firstOf(["backbone.embeddings.weight", "backbone.embedding.weight"], [V, D])
        var blocks: [BlockWeights] = []
        for i in 0..<config.numHiddenLayers {
            let p = "backbone.layers.\(i)."
            let norm = try reader.tensor(p + "norm.weight", [D])
            let m = try readMamba2Mixer(&reader, prefix: p + "mixer.", dims: mixer, bias: config.useBias, convBias: config.useConvBias)
            blocks.append(BlockWeights(mixerNorm: norm, mixer: m, mlpNorm: nil, mlp: nil))
        }
        let finalNorm = try reader.tensor("backbone.norm_f.weight", [D])
        let head = try readHead(&reader, name: "lm_head.weight", tied: config.tieWordEmbeddings, embedding: embedding, vocab: V, dModel: D)
        try reader.checkAllUsed()
        let eps = Float(config.layerNormEpsilon)
        let limit = (Float(config.timeStepLimit[0].value), Float(config.timeStepLimit[1].value))
        return LanguageModel(shape: shape, hyper: ModelHyperparameters(normEpsilon: eps, gatedNormEpsilon: eps, timeStepLimit: limit, convSiLU: true),
                             embedding: embedding, blocks: blocks, finalNorm: finalNorm, lmHead: head)
    }
}

/// The mixer dimensions shared by the Mamba-2 family of adapters.
struct MixerDimensions {
    var dModel, heads, headDim, groups, dState, convKernel: Int
    /// The config.json key of each dimension, for error messages (transformers' Mamba2Config names
    /// by default; adapters with other names pass their own).
    var keys = Keys()

    struct Keys {
        var dModel = "hidden_size", heads = "num_heads", headDim = "head_dim", groups = "n_groups"
        var dState = "state_size", convKernel = "conv_kernel", expand = "expand"
    }

    /// The largest value marsim accepts for any one dimension (2^20). Real models stay far below it
    /// (Llamba-8B: D 4096, MLP 14336); the bound makes every product of two or three dimensions
    /// fit in an Int, so nothing downstream can overflow, and it is checked before anything is read.
    static let maxDimension = 1 << 20

    var dInner: Int { heads * headDim }
    var convChannels: Int { dInner + 2 * groups * dState }
    /// [z I, xBC C, dt H]
    var mamba2InProjRows: Int { dInner + convChannels + heads }

    /// Checks every dimension is in 1...maxDimension, heads are a multiple of groups and, when
    /// given, that expand × hidden_size = heads × head_dim (transformers sizes the mixer by the
    /// former and splits it by the latter). `expand` is multiplied with overflow checking.
    func validate(configURL: URL, expand: Int?) throws {
        func bad(_ reason: String) -> CheckpointError { .malformedConfig(path: configURL.path, reason: reason) }
        try validateBounds(configURL: configURL)
        if heads % groups != 0 { throw bad("\(keys.heads) (\(heads)) must be a multiple of \(keys.groups) (\(groups))") }
        if let expand {
            let (width, overflow) = expand.multipliedReportingOverflow(by: dModel)
            if overflow || width != dInner {
                let product = overflow ? "\(expand) × \(dModel), which overflows" : String(width)
                throw bad("\(keys.heads) × \(keys.headDim) = \(dInner) but \(keys.expand) × \(keys.dModel) = \(product); they must be equal")
            }
        }
    }

    /// As `validate(configURL:expand:)`, with the expanded width already computed by the caller.
    /// Prefer the other form: computing `expand * hidden` unchecked can trap on a hostile config.
    func validate(configURL: URL, expandedWidth: Int?) throws {
        func bad(_ reason: String) -> CheckpointError { .malformedConfig(path: configURL.path, reason: reason) }
        try validate(configURL: configURL, expand: nil)
        if let expandedWidth, expandedWidth != dInner {
            throw bad("heads × head_dim = \(dInner) but expand × hidden_size = \(expandedWidth)")
        }
    }

    private func validateBounds(configURL: URL) throws {
        for (key, value) in [(keys.dModel, dModel), (keys.heads, heads), (keys.headDim, headDim), (keys.groups, groups),
                             (keys.dState, dState), (keys.convKernel, convKernel)] {
            try validateDimension(configURL: configURL, key: key, value)
        }
    }

    func shape(architecture: String, layers: Int, vocab: Int, mlpHidden: Int, tied: Bool, inProjRows: Int) -> ModelShape {
        ModelShape(architecture: architecture, dModel: dModel, layers: layers, vocabSize: vocab, dInner: dInner,
                   heads: heads, headDim: headDim, groups: groups, dState: dState, convKernel: convKernel,
                   mlpHidden: mlpHidden, inProjRows: inProjRows, tiedHead: tied)
    }
}

/// Checks one dimension from config.json is in 1...`MixerDimensions.maxDimension`.
func validateDimension(configURL: URL, key: String, _ value: Int) throws {
    if value <= 0 {
        throw CheckpointError.malformedConfig(path: configURL.path, reason: "\(key) must be positive, got \(value)")
    }
    if value > MixerDimensions.maxDimension {
        throw CheckpointError.malformedConfig(path: configURL.path, reason: "\(key) \(value) is too large (marsim accepts up to \(MixerDimensions.maxDimension))")
    }
}

/// Checks that every architecture needs on its top-level numbers: 1...10,000 layers, a vocabulary
/// of 1...10,000,000, and a time_step_limit of two numbers with a finite min ≤ max (max may be
/// infinite; a negative min is allowed, it never binds after softplus).
func validateCommon(configURL: URL, layers: Int, vocab: Int, timeStepLimit: [FlexibleDouble]?,
                    layersKey: String = "num_hidden_layers", vocabKey: String = "vocab_size") throws {
    func bad(_ reason: String) -> CheckpointError { .malformedConfig(path: configURL.path, reason: reason) }
    if layers <= 0 || layers > 10_000 { throw bad("\(layersKey) must be in 1...10000, got \(layers)") }
    if vocab <= 0 || vocab > 10_000_000 { throw bad("\(vocabKey) must be in 1...10000000, got \(vocab)") }
    if let limit = timeStepLimit {
        guard limit.count == 2 else { throw bad("time_step_limit must have two entries, got \(limit.count)") }
        let (lo, hi) = (limit[0].value, limit[1].value)
        if !lo.isFinite || hi.isNaN || hi < lo {
            throw bad("time_step_limit [\(lo), \(hi)] must be [min, max] with a finite min ≤ max")
        }
    }
}

/// Checks a norm epsilon is in [0, 1): a negative or NaN one poisons every norm, and one ≥ 1
/// (or beyond Float's range) swamps the activations it is meant to guard.
func validateEpsilon(configURL: URL, key: String, _ value: Double) throws {
    if !(value >= 0 && value < 1) {
        throw CheckpointError.malformedConfig(path: configURL.path, reason: "\(key) must be in [0, 1), got \(value)")
    }
}

/// Checks the activation is silu: the engine's conv activation and MLP gate are silu.
func validateActivation(configURL: URL, _ activation: String) throws {
    if !["silu", "swish"].contains(activation) {
        throw CheckpointError.unsupportedArchitecture(path: configURL.path, reason: "hidden_act '\(activation)' (only silu is supported)")
    }
}

/// Reads a transformers Mamba2Mixer / BambaMixer under `prefix`.
func readMamba2Mixer(_ reader: inout WeightReader, prefix p: String, dims: MixerDimensions, bias: Bool, convBias: Bool) throws -> MixerWeights {
    let C = dims.convChannels, H = dims.heads, I = dims.dInner
    let inProj = try reader.linear(p + "in_proj", fanOut: dims.mamba2InProjRows, fanIn: dims.dModel, bias: bias)
    let conv = try reader.tensor(p + "conv1d.weight", [C, 1, dims.convKernel])
    let convB = try reader.optional(p + "conv1d.bias", [C], present: convBias)
    let dtBias = try reader.tensor(p + "dt_bias", [H])
    let aLog = try reader.tensor(p + "A_log", [H])
    let d = try reader.tensor(p + "D", [H])
    let norm = try reader.tensor(p + "norm.weight", [I])
    let outProj = try reader.linear(p + "out_proj", fanOut: dims.dModel, fanIn: I, bias: bias)
    return MixerWeights(kind: .mamba2, inProj: inProj, convWeight: conv, convBias: convB, dtBias: dtBias, aLog: aLog,
                        d: d, gatedNormWeight: norm, zBias: nil, outProj: outProj)
}

/// The LM head: its own `[V, D]` tensor, or the embedding (kept row-major) when tied.
func readHead(_ reader: inout WeightReader, name: String, tied: Bool, embedding: WeightStorage, vocab: Int, dModel: Int) throws -> Projection {
    if tied {
        // A tied checkpoint may still carry a copy of the head (transformers ignores it); it must
        // match the embedding's shape, but is not converted.
        if reader.store.tensors[name] != nil { try reader.checkShape(name, [vocab, dModel]) }
        return Projection(fanIn: dModel, fanOut: vocab, layout: .rowMajor, storage: embedding, bias: nil)
    }
    guard reader.store.tensors[name] != nil else {
        throw CheckpointError.missingTensor(name: name, directory: reader.store.directory.path)
    }
    return try reader.linear(String(name.dropLast(".weight".count)), fanOut: vocab, fanIn: dModel, bias: false)
}
