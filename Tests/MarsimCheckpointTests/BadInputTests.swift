import MarsimTestSupport
import Foundation
@testable import MarsimCheckpoint
import Testing

/// Every way a checkpoint directory can be wrong gives a one-line `CheckpointError` that names the
/// file and the problem — never a crash, a hang or a silently wrong model.
@Suite("Bad input")
struct BadInputTests {
    static let shard2 = CheckpointFiles.shardName(1, of: 2)

    // MARK: Files

    static let files: [BadInputCase] = [
        BadInputCase(label: "missing directory", kind: "missingFile", file: "ckpt", phrase: "file not found",
                     disk: { dir in try FileManager.default.removeItem(at: dir) }),
        BadInputCase(label: "a file passed as the directory", kind: "malformedConfig", file: "ckpt", phrase: "is a file, not a checkpoint directory",
                     disk: { dir in
                         try FileManager.default.removeItem(at: dir)
                         try Data("x".utf8).write(to: dir)
                     }),
        BadInputCase(label: "missing config.json", kind: "missingFile", file: "config.json", phrase: "file not found",
                     disk: DiskEdit.remove("config.json")),
        BadInputCase(label: "missing model.safetensors", kind: "missingFile", file: "model.safetensors", phrase: "file not found",
                     disk: DiskEdit.remove("model.safetensors")),
        BadInputCase(label: "missing shard named by the index", base: .mamba2Sharded, kind: "missingFile", file: shard2,
                     phrase: "listed in model.safetensors.index.json", disk: DiskEdit.remove(shard2)),
        BadInputCase(label: "config.json is a directory", kind: "malformedConfig", file: "config.json", phrase: "cannot be read",
                     disk: { dir in
                         try FileManager.default.removeItem(at: dir.appendingPathComponent("config.json"))
                         try FileManager.default.createDirectory(at: dir.appendingPathComponent("config.json"), withIntermediateDirectories: false)
                     }),
    ]

    // MARK: safetensors structure

    static let safetensors: [BadInputCase] = [
        BadInputCase(label: "file shorter than the length field", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "shorter than the 8-byte header length", disk: DiskEdit.bytes { Array($0.prefix(3)) }),
        BadInputCase(label: "truncated data", kind: "malformedSafetensors", file: "model.safetensors", phrase: "truncated",
                     disk: DiskEdit.bytes { Array($0.dropLast(100)) }),
        BadInputCase(label: "truncated inside the header", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "runs past the end", disk: DiskEdit.bytes { Array($0.prefix(40)) }),
        BadInputCase(label: "header length beyond the file", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "runs past the end", disk: DiskEdit.lengthField(1 << 20)),
        BadInputCase(label: "header length above 100 MB", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "100 MB", disk: DiskEdit.lengthField(200_000_000)),
        BadInputCase(label: "header length near 2^64", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "100 MB", disk: DiskEdit.lengthField(.max - 3)),
        BadInputCase(label: "malformed header JSON", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "header is not valid JSON",
                     disk: DiskEdit.header { String($0.trimmingCharacters(in: .whitespaces).dropLast()) }),
        BadInputCase(label: "header is not an object", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "not a JSON object", disk: DiskEdit.header { _ in "[1, 2]" }),
        BadInputCase(label: "unknown dtype", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "unknown dtype 'F8_E4M3'", layout: { entries, _ in entries[0].dtype = "F8_E4M3" }),
        BadInputCase(label: "integer dtype for a weight", kind: "unsupportedDType", file: "model.safetensors",
                     phrase: "I32", layout: { entries, _ in entries[0].dtype = "I32" }),
        BadInputCase(label: "missing data_offsets", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "data_offsets", disk: DiskEdit.header { $0.replacingOccurrences(of: ",\"data_offsets\":[0,512]", with: "") }),
        BadInputCase(label: "negative shape", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "not a non-negative integer", layout: { entries, _ in entries[0].shape = [-16, -8] }),
        BadInputCase(label: "negative offsets", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "data_offsets", layout: { entries, _ in entries[0].begin = -4 }),
        BadInputCase(label: "offsets disagree with shape × dtype", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "needs 512", layout: { entries, _ in entries[0].end -= 4 }),
        BadInputCase(label: "offsets out of range", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "beyond the", layout: { entries, _ in entries[entries.count - 1].begin += 4; entries[entries.count - 1].end += 4 }),
        BadInputCase(label: "offsets overlap", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "overlap", layout: { entries, data in entries[1].begin -= 4; entries[1].end -= 4 }),
        BadInputCase(label: "a gap in the buffer", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "belong to no tensor", layout: { entries, _ in entries.remove(at: 1) }),
        BadInputCase(label: "trailing bytes after the last tensor", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "trailing bytes", layout: { _, data in data += [0, 0, 0, 0] }),
        BadInputCase(label: "tensor count × size exceeds the file", kind: "malformedSafetensors", file: "model.safetensors",
                     phrase: "beyond the", layout: { entries, _ in
                         entries[0].shape = [1 << 20, 1 << 20]
                         entries[0].end = entries[0].begin + (1 << 42)
                     }),
    ]

    // MARK: tensors against config.json

    static let tensors: [BadInputCase] = [
        BadInputCase(label: "tensor shape disagrees with config.json", kind: "shapeMismatch", file: "model.safetensors",
                     phrase: "has shape [9] but config.json implies [8]",
                     files: { $0["backbone.norm_f.weight"] = .f32("backbone.norm_f.weight", [9], Array(repeating: 1, count: 9)) }),
        BadInputCase(label: "vocab_size disagrees with the embedding", kind: "shapeMismatch", file: "model.safetensors",
                     phrase: "config.json implies [17, 8]", files: { $0.config["vocab_size"] = 17 }),
        BadInputCase(label: "missing tensor", kind: "missingTensor", file: "ckpt", phrase: "missing tensor 'backbone.layers.1.mixer.D'",
                     files: { $0["backbone.layers.1.mixer.D"] = nil }),
        BadInputCase(label: "untied head without lm_head.weight", kind: "missingTensor", file: "ckpt", phrase: "'lm_head.weight'",
                     files: { $0["lm_head.weight"] = nil }),
        BadInputCase(label: "unexpected tensor", kind: "unexpectedTensors", file: "ckpt", phrase: "unexpected tensors 'extra.weight'",
                     files: { $0.tensors.append(.f32("extra.weight", [2], [1, 2])) }),
        BadInputCase(label: "use_bias without bias tensors", kind: "missingTensor", file: "ckpt",
                     phrase: "'backbone.layers.0.mixer.in_proj.bias'", files: { $0.config["use_bias"] = true }),
        BadInputCase(label: "conv bias present but use_conv_bias false", kind: "unexpectedTensors", file: "ckpt",
                     phrase: "conv1d.bias", files: { $0.config["use_conv_bias"] = false }),
        BadInputCase(label: "mlp_bias without bias tensors", base: .bamba, kind: "missingTensor", file: "ckpt",
                     phrase: "feed_forward.gate_proj.bias", files: { $0.config["mlp_bias"] = true }),
        BadInputCase(label: "tensor in two shards, index names one", base: .mamba2Sharded, kind: "malformedConfig",
                     file: "model.safetensors.index.json", phrase: "is in \(CheckpointFiles.shardName(0, of: 2)) but the weight_map says",
                     files: { $0.tensors.append($0.tensors[0]) }),
        BadInputCase(label: "tensor in two files, no index", base: .mamba2Sharded, kind: "malformedSafetensors", file: shard2,
                     phrase: "also appears in \(CheckpointFiles.shardName(0, of: 2))",
                     files: { $0.tensors.append($0.tensors[0]) }, disk: DiskEdit.remove("model.safetensors.index.json")),
    ]

    // MARK: the shard index

    static let index: [BadInputCase] = [
        BadInputCase(label: "index is not JSON", base: .mamba2Sharded, kind: "malformedConfig", file: "model.safetensors.index.json",
                     phrase: "not valid JSON", disk: DiskEdit.write("model.safetensors.index.json", "{\"weight_map\": {")),
        BadInputCase(label: "index without weight_map", base: .mamba2Sharded, kind: "malformedConfig", file: "model.safetensors.index.json",
                     phrase: "missing key 'weight_map'", disk: DiskEdit.index { $0["weight_map"] = nil }),
        BadInputCase(label: "index with an empty weight_map", base: .mamba2Sharded, kind: "malformedConfig", file: "model.safetensors.index.json",
                     phrase: "weight_map is empty", disk: DiskEdit.weightMap { $0 = [:] }),
        BadInputCase(label: "index puts a tensor in the wrong shard", base: .mamba2Sharded, kind: "malformedConfig",
                     file: "model.safetensors.index.json", phrase: "but the weight_map says",
                     disk: DiskEdit.weightMap { $0["backbone.embeddings.weight"] = BadInputTests.shard2 }),
        BadInputCase(label: "index lists a tensor no shard holds", base: .mamba2Sharded, kind: "malformedConfig",
                     file: "model.safetensors.index.json", phrase: "does not hold it",
                     disk: DiskEdit.weightMap { $0["ghost.weight"] = BadInputTests.shard2 }),
        BadInputCase(label: "index names a file outside the directory", base: .mamba2Sharded, kind: "malformedConfig",
                     file: "model.safetensors.index.json", phrase: "'../model.safetensors'",
                     disk: DiskEdit.weightMap { $0["ghost.weight"] = "../model.safetensors" }),
    ]

    // MARK: architecture

    static let architecture: [BadInputCase] = [
        BadInputCase(label: "unsupported architecture", kind: "unsupportedArchitecture", file: "config.json",
                     phrase: "'LlamaForCausalLM'", files: { $0.config["architectures"] = ["LlamaForCausalLM"]; $0.config["model_type"] = "llama" }),
        BadInputCase(label: "neither architectures nor model_type", kind: "malformedConfig", file: "config.json",
                     phrase: "neither 'architectures' nor 'model_type'", files: { $0.config["architectures"] = nil; $0.config["model_type"] = nil }),
        BadInputCase(label: "Bamba with attention layers", base: .bamba, kind: "unsupportedArchitecture", file: "config.json",
                     phrase: "attention layers [1]", files: { $0.config["attn_layer_indices"] = [1] }),
        BadInputCase(label: "Bamba with an unsupported activation", base: .bamba, kind: "unsupportedArchitecture", file: "config.json",
                     phrase: "hidden_act 'gelu'", files: { $0.config["hidden_act"] = "gelu" }),
        BadInputCase(label: "Mamba2 with an unsupported activation", kind: "unsupportedArchitecture", file: "config.json",
                     phrase: "hidden_act 'relu'", files: { $0.config["hidden_act"] = "relu" }),
    ]

    // MARK: config.json values

    static let config: [BadInputCase] = [
        BadInputCase(label: "config.json is not JSON", kind: "malformedConfig", file: "config.json", phrase: "is not valid JSON",
                     files: { $0.configText = "{\"hidden_size\": 8," }),
        BadInputCase(label: "config.json is empty", kind: "malformedConfig", file: "config.json", phrase: "is not valid JSON",
                     files: { $0.configText = "" }),
        BadInputCase(label: "config.json is an array", kind: "malformedConfig", file: "config.json", phrase: "is not a JSON object",
                     files: { $0.configText = "[1, 2]" }),
        BadInputCase(label: "missing key", kind: "malformedConfig", file: "config.json", phrase: "missing key 'hidden_size'",
                     files: { $0.config["hidden_size"] = nil }),
        BadInputCase(label: "wrong type", kind: "malformedConfig", file: "config.json", phrase: "'num_heads' has the wrong type",
                     files: { $0.config["num_heads"] = "4" }),
        BadInputCase(label: "null value", kind: "malformedConfig", file: "config.json", phrase: "'state_size' is null",
                     files: { $0.config["state_size"] = NSNull() }),
        BadInputCase(label: "fractional dimension", kind: "malformedConfig", file: "config.json", phrase: "'head_dim' has the wrong type",
                     files: { $0.config["head_dim"] = 4.5 }),
        BadInputCase(label: "zero state size", kind: "malformedConfig", file: "config.json", phrase: "state_size must be positive, got 0",
                     files: { $0.config["state_size"] = 0 }),
        BadInputCase(label: "negative heads", kind: "malformedConfig", file: "config.json", phrase: "num_heads must be positive, got -4",
                     files: { $0.config["num_heads"] = -4 }),
        BadInputCase(label: "zero layers", kind: "malformedConfig", file: "config.json", phrase: "num_hidden_layers must be in",
                     files: { $0.config["num_hidden_layers"] = 0 }),
        BadInputCase(label: "negative vocabulary", kind: "malformedConfig", file: "config.json", phrase: "vocab_size must be in",
                     files: { $0.config["vocab_size"] = -1 }),
        BadInputCase(label: "heads not divisible by groups", kind: "malformedConfig", file: "config.json",
                     phrase: "num_heads (4) must be a multiple of n_groups (3)", files: { $0.config["n_groups"] = 3 }),
        BadInputCase(label: "expand × hidden ≠ heads × head_dim", kind: "malformedConfig", file: "config.json",
                     phrase: "num_heads × head_dim = 16 but expand × hidden_size = 24", files: { $0.config["expand"] = 3 }),
        BadInputCase(label: "huge hidden size", kind: "malformedConfig", file: "config.json", phrase: "hidden_size 4611686018427387904 is too large",
                     files: { $0.config["hidden_size"] = 1 << 62 }),
        BadInputCase(label: "huge expand (overflowing expand × hidden)", kind: "malformedConfig", file: "config.json",
                     phrase: "expand × hidden_size", files: { $0.config["expand"] = 1 << 62 }),
        BadInputCase(label: "huge heads and head_dim", kind: "malformedConfig", file: "config.json", phrase: "is too large",
                     files: { $0.config["num_heads"] = 1 << 40; $0.config["head_dim"] = 1 << 40 }),
        BadInputCase(label: "huge state size", kind: "malformedConfig", file: "config.json", phrase: "state_size 9223372036854775807 is too large",
                     files: { $0.config["state_size"] = Int.max }),
        BadInputCase(label: "time_step_limit reversed", kind: "malformedConfig", file: "config.json", phrase: "time_step_limit [0.1, 0.01]",
                     files: { $0.config["time_step_limit"] = [0.1, 0.01] }),
        BadInputCase(label: "time_step_limit with three entries", kind: "malformedConfig", file: "config.json",
                     phrase: "time_step_limit must have two entries", files: { $0.config["time_step_limit"] = [0, 1, 2] }),
        BadInputCase(label: "time_step_limit NaN", kind: "malformedConfig", file: "config.json", phrase: "time_step_limit",
                     files: { $0.config["time_step_limit"] = [["__float__": "NaN"], 1.0] }),
        BadInputCase(label: "time_step_limit not a number", kind: "malformedConfig", file: "config.json", phrase: "time_step_limit",
                     files: { $0.config["time_step_limit"] = ["small", 1.0] }),
        BadInputCase(label: "negative norm epsilon", kind: "malformedConfig", file: "config.json", phrase: "layer_norm_epsilon",
                     files: { $0.config["layer_norm_epsilon"] = -1e-5 }),
        BadInputCase(label: "norm epsilon of 1 or more", kind: "malformedConfig", file: "config.json", phrase: "layer_norm_epsilon must be in [0, 1), got 1e+300",
                     files: { $0.config["layer_norm_epsilon"] = 1e300 }),
        BadInputCase(label: "Bamba mamba_d_head \"auto\" that does not divide", base: .bamba, kind: "malformedConfig", file: "config.json",
                     phrase: "mamba_d_head is \"auto\" but mamba_n_heads (3) does not divide", files: { $0.config["mamba_d_head"] = "auto"; $0.config["mamba_n_heads"] = 3 }),
        BadInputCase(label: "Bamba heads not divisible by groups", base: .bamba, kind: "malformedConfig", file: "config.json",
                     phrase: "mamba_n_heads (4) must be a multiple of mamba_n_groups (3)", files: { $0.config["mamba_n_groups"] = 3 }),
        BadInputCase(label: "Bamba zero intermediate_size", base: .bamba, kind: "malformedConfig", file: "config.json",
                     phrase: "intermediate_size must be positive, got 0", files: { $0.config["intermediate_size"] = 0 }),
        BadInputCase(label: "Bamba huge intermediate_size", base: .bamba, kind: "malformedConfig", file: "config.json",
                     phrase: "intermediate_size 4611686018427387904 is too large", files: { $0.config["intermediate_size"] = 1 << 62 }),
        BadInputCase(label: "Bamba huge mamba_expand", base: .bamba, kind: "malformedConfig", file: "config.json",
                     phrase: "expand × hidden_size", files: { $0.config["mamba_expand"] = Int.max }),
        BadInputCase(label: "Bamba NaN rms_norm_eps", base: .bamba, kind: "malformedConfig", file: "config.json",
                     phrase: "rms_norm_eps", files: { $0.config["rms_norm_eps"] = ["__float__": "NaN"] }),
    ]

    @Test("Missing files", arguments: files) func missingFiles(_ c: BadInputCase) throws { try Self.check(c) }
    @Test("Broken safetensors files", arguments: safetensors) func brokenSafetensors(_ c: BadInputCase) throws { try Self.check(c) }
    @Test("Tensors that disagree with config.json", arguments: tensors) func tensorMismatch(_ c: BadInputCase) throws { try Self.check(c) }
    @Test("Broken shard indexes", arguments: index) func brokenIndex(_ c: BadInputCase) throws { try Self.check(c) }
    @Test("Unsupported architectures", arguments: architecture) func unsupported(_ c: BadInputCase) throws { try Self.check(c) }
    @Test("Malformed config.json", arguments: config) func malformedConfig(_ c: BadInputCase) throws { try Self.check(c) }

    /// Writes the broken checkpoint, loads it, and checks the error's case and its one-line message.
    static func check(_ c: BadInputCase, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try c.write(to: dir.url)
        do {
            let checkpoint = try Checkpoint.load(dir.url)
            Issue.record("\(c.label): loaded a \(checkpoint.architecture) model instead of failing", sourceLocation: sourceLocation)
        } catch let error as CheckpointError {
            let message = error.description
            #expect(error.caseName == c.kind, "\(c.label): \(message)", sourceLocation: sourceLocation)
            #expect(message.contains(c.file), "\(c.label): message does not name \(c.file): \(message)", sourceLocation: sourceLocation)
            #expect(message.contains(c.phrase), "\(c.label): message lacks '\(c.phrase)': \(message)", sourceLocation: sourceLocation)
            #expect(!message.contains("\n"), "\(c.label): message is not one line: \(message)", sourceLocation: sourceLocation)
            #expect(error.localizedDescription == message, sourceLocation: sourceLocation)
        }
    }
}
