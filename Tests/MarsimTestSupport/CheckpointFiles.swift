import Foundation
import MarsimCheckpoint

/// A checkpoint directory held in memory: config.json (as a JSON object, or verbatim text) and the
/// tensors, so a test can change either and write the result to a temporary directory.
public struct CheckpointFiles {
    /// config.json as a JSON object; written with sorted keys.
    public var config: [String: Any]
    /// When set, written as config.json instead of `config` (for non-standard JSON such as `Infinity`).
    public var configText: String?
    public var tensors: [TestTensor]

    public init(config: [String: Any], configText: String?, tensors: [TestTensor]) {
        self.config = config
        self.configText = configText
        self.tensors = tensors
    }

    public subscript(name: String) -> TestTensor? {
        get { tensors.first { $0.name == name } }
        set {
            if let index = tensors.firstIndex(where: { $0.name == name }) {
                if let newValue { tensors[index] = newValue } else { tensors.remove(at: index) }
            } else if let newValue {
                tensors.append(newValue)
            }
        }
    }

    /// The config text that `write` puts in config.json.
    public func configJSON() throws -> String {
        if let configText { return configText }
        let data = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes config.json and the tensors: one `model.safetensors`, or `shards` files named like
    /// transformers' (`model-00001-of-00002.safetensors`) plus `model.safetensors.index.json`.
    public func write(to dir: URL, shards: Int = 1) throws {
        try Data(try configJSON().utf8).write(to: dir.appendingPathComponent("config.json"))
        if shards <= 1 {
            try SafetensorsWriter.file(tensors).write(to: dir.appendingPathComponent("model.safetensors"))
            return
        }
        var weightMap: [String: String] = [:]
        let perShard = (tensors.count + shards - 1) / shards
        for s in 0..<shards {
            let name = Self.shardName(s, of: shards)
            let part = Array(tensors.dropFirst(s * perShard).prefix(perShard))
            for t in part { weightMap[t.name] = name }
            try SafetensorsWriter.file(part).write(to: dir.appendingPathComponent(name))
        }
        let index: [String: Any] = ["metadata": ["total_size": tensors.reduce(0) { $0 + $1.bytes.count }], "weight_map": weightMap]
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys, .prettyPrinted])
            .write(to: dir.appendingPathComponent("model.safetensors.index.json"))
    }

    public static func shardName(_ s: Int, of n: Int) -> String {
        func five(_ i: Int) -> String { String(repeating: "0", count: 5 - String(i).count) + String(i) }
        return "model-\(five(s + 1))-of-\(five(n)).safetensors"
    }

    /// A fixture directory as it is on disk (tensors in file order).
    public static func fixture(_ dir: URL) throws -> CheckpointFiles {
        let configData = try Data(contentsOf: dir.appendingPathComponent("config.json"))
        let config = try JSONSerialization.jsonObject(with: configData) as! [String: Any]
        let file = try SafetensorsFile(url: dir.appendingPathComponent("model.safetensors"))
        let infos = file.tensors.values.sorted { $0.dataOffsets.lowerBound < $1.dataOffsets.lowerBound }
        let tensors = infos.map { info in
            TestTensor(name: info.name, dtype: info.dtype.rawValue, shape: info.shape, bytes: file.withRawBytes(info) { Array($0) })
        }
        return CheckpointFiles(config: config, configText: nil, tensors: tensors)
    }

    /// Every F32 tensor converted by `convert`.
    public func converted(_ convert: (TestTensor) -> TestTensor) -> CheckpointFiles {
        var copy = self
        copy.tensors = tensors.map { $0.dtype == "F32" ? convert($0) : $0 }
        return copy
    }
}

/// Small random checkpoints of any shape, for the cases the real fixtures do not cover
/// (several groups, tied heads, biases, finite time_step_limit …).
public struct SyntheticShape {
    public var dModel = 8, layers = 2, vocab = 16, heads = 4, headDim = 4, groups = 2, dState = 4, convKernel = 3
    public var mlpHidden = 12
    public var tied = false
    public var projBias = false, convBias = true, mlpBias = false

    public init() {}

    public var dInner: Int { heads * headDim }
    public var convChannels: Int { dInner + 2 * groups * dState }
    public var inProjRows: Int { dInner + convChannels + heads }
}

extension CheckpointFiles {
    /// A random `Mamba2ForCausalLM` checkpoint of `shape` (MLP settings ignored).
    public static func mamba2(_ s: SyntheticShape = SyntheticShape(), seed: UInt64 = 1) -> CheckpointFiles {
        var rng = SplitMix64(seed: seed)
        var tensors: [TestTensor] = []
        func add(_ name: String, _ shape: [Int]) {
            tensors.append(.f32(name, shape, (0..<shape.reduce(1, *)).map { _ in rng.float(scale: 0.5) }))
        }
        add("backbone.embeddings.weight", [s.vocab, s.dModel])
        for i in 0..<s.layers {
            let p = "backbone.layers.\(i)."
            add(p + "norm.weight", [s.dModel])
            addMamba2Mixer(add, prefix: p + "mixer.", s, useBias: s.projBias)
        }
        add("backbone.norm_f.weight", [s.dModel])
        if !s.tied { add("lm_head.weight", [s.vocab, s.dModel]) }
        let config: [String: Any] = [
            "architectures": ["Mamba2ForCausalLM"], "model_type": "mamba2",
            "hidden_size": s.dModel, "num_hidden_layers": s.layers, "vocab_size": s.vocab,
            "state_size": s.dState, "num_heads": s.heads, "head_dim": s.headDim, "n_groups": s.groups,
            "conv_kernel": s.convKernel, "expand": s.dInner / s.dModel, "layer_norm_epsilon": 1e-5,
            "time_step_limit": [0.0, ["__float__": "Infinity"]], "tie_word_embeddings": s.tied,
            "use_bias": s.projBias, "use_conv_bias": s.convBias, "hidden_act": "silu",
        ]
        return CheckpointFiles(config: config, configText: nil, tensors: tensors)
    }

    /// A random attention-free `BambaForCausalLM` checkpoint of `shape`.
    public static func bamba(_ s: SyntheticShape = SyntheticShape(), seed: UInt64 = 2) -> CheckpointFiles {
        var rng = SplitMix64(seed: seed)
        var tensors: [TestTensor] = []
        func add(_ name: String, _ shape: [Int]) {
            tensors.append(.f32(name, shape, (0..<shape.reduce(1, *)).map { _ in rng.float(scale: 0.5) }))
        }
        add("model.embed_tokens.weight", [s.vocab, s.dModel])
        for i in 0..<s.layers {
            let p = "model.layers.\(i)."
            add(p + "input_layernorm.weight", [s.dModel])
            addMamba2Mixer(add, prefix: p + "mamba.", s, useBias: s.projBias)
            add(p + "pre_ff_layernorm.weight", [s.dModel])
            for proj in ["gate_proj", "up_proj"] {
                add(p + "feed_forward.\(proj).weight", [s.mlpHidden, s.dModel])
                if s.mlpBias { add(p + "feed_forward.\(proj).bias", [s.mlpHidden]) }
            }
            add(p + "feed_forward.down_proj.weight", [s.dModel, s.mlpHidden])
            if s.mlpBias { add(p + "feed_forward.down_proj.bias", [s.dModel]) }
        }
        add("model.final_layernorm.weight", [s.dModel])
        if !s.tied { add("lm_head.weight", [s.vocab, s.dModel]) }
        let config: [String: Any] = [
            "architectures": ["BambaForCausalLM"], "model_type": "bamba",
            "hidden_size": s.dModel, "num_hidden_layers": s.layers, "vocab_size": s.vocab,
            "intermediate_size": s.mlpHidden, "mamba_n_heads": s.heads, "mamba_d_head": s.headDim,
            "mamba_n_groups": s.groups, "mamba_d_state": s.dState, "mamba_expand": s.dInner / s.dModel,
            "mamba_d_conv": s.convKernel, "rms_norm_eps": 1e-5, "attn_layer_indices": [Int](),
            "time_step_limit": [0.0, ["__float__": "Infinity"]], "tie_word_embeddings": s.tied,
            "mamba_proj_bias": s.projBias, "mamba_conv_bias": s.convBias, "mlp_bias": s.mlpBias, "hidden_act": "silu",
        ]
        return CheckpointFiles(config: config, configText: nil, tensors: tensors)
    }

    private static func addMamba2Mixer(_ add: (String, [Int]) -> Void, prefix p: String, _ s: SyntheticShape, useBias: Bool) {
        add(p + "in_proj.weight", [s.inProjRows, s.dModel])
        if useBias { add(p + "in_proj.bias", [s.inProjRows]) }
        add(p + "conv1d.weight", [s.convChannels, 1, s.convKernel])
        if s.convBias { add(p + "conv1d.bias", [s.convChannels]) }
        add(p + "dt_bias", [s.heads])
        add(p + "A_log", [s.heads])
        add(p + "D", [s.heads])
        add(p + "norm.weight", [s.dInner])
        add(p + "out_proj.weight", [s.dModel, s.dInner])
        if useBias { add(p + "out_proj.bias", [s.dModel]) }
    }
}
