import MarsimTestSupport
// Checks marsim's reading of Cartesia Llamba checkpoints (cartesia-ai/edge LlambaConfig semantics).
import Foundation
@testable import MarsimCheckpoint
import MarsimCore
import Testing

/// The Llamba adapter: config keys, vocabulary padding, stored dtypes, and one-line errors.
@Suite("Llamba config")
struct LlambaConfigTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tiny-llamba-cartesia")

    /// The fixture's config.json as a mutable dictionary.
    static func fixtureConfig() throws -> [String: Any] {
        let data = try Data(contentsOf: fixture.appendingPathComponent("config.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// The fixture's tensors: name → (shape, fp32 values).
    static func fixtureTensors() throws -> [String: (shape: [Int], values: [Float])] {
        let file = try SafetensorsFile(url: fixture.appendingPathComponent("model.safetensors"))
        var out: [String: (shape: [Int], values: [Float])] = [:]
        for (name, info) in file.tensors { out[name] = (info.shape, try file.floats(name)) }
        return out
    }

    /// A fresh checkpoint directory holding `config` and `tensors` stored as `dtype` (F32, F16 or BF16).
    static func makeCheckpoint(config: [String: Any], tensors: [String: (shape: [Int], values: [Float])],
                               dtype: String = "F32") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-llamba-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        var header: [String: Any] = [:]
        var body = Data()
        for name in tensors.keys.sorted() {
            let (shape, values) = tensors[name]!
            let start = body.count
            for v in values {
                switch dtype {
                case "F32": withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) }
                case "BF16": withUnsafeBytes(of: bf16Bits(v).littleEndian) { body.append(contentsOf: $0) }
                case "F16": withUnsafeBytes(of: f16Bits(v).littleEndian) { body.append(contentsOf: $0) }
                default: fatalError("unsupported test dtype \(dtype)")
                }
            }
            header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [start, body.count]]
        }
        var headerBytes = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(headerBytes)
        file.append(body)
        try file.write(to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    /// bfloat16 bits of `v`, rounded to nearest even (finite inputs).
    static func bf16Bits(_ v: Float) -> UInt16 {
        let b = v.bitPattern
        return UInt16(truncatingIfNeeded: (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
    }

    /// `v` after a round trip through bfloat16.
    static func bf16(_ v: Float) -> Float { Float(bitPattern: UInt32(bf16Bits(v)) << 16) }

    /// IEEE binary16 bits of `v` (via Swift's Float16, which rounds to nearest even).
    static func f16Bits(_ v: Float) -> UInt16 {
        #if !(os(macOS) && arch(x86_64))
        return Float16(v).bitPattern
        #else
        fatalError("Float16 is unavailable on x86_64 macOS")
        #endif
    }

    /// The error `Checkpoint.load` throws for the fixture with `edit` applied to its config.
    static func loadError(editing edit: (inout [String: Any]) -> Void) throws -> CheckpointError? {
        var config = try fixtureConfig()
        edit(&config)
        let dir = try makeCheckpoint(config: config, tensors: try fixtureTensors())
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try Checkpoint.load(dir)
            return nil
        } catch let error as CheckpointError {
            return error
        }
    }

    @Test("the fixture loads with the shapes its config implies")
    func fixtureShape() throws {
        let checkpoint = try Checkpoint.load(Self.fixture)
        let s = checkpoint.model.shape
        #expect(checkpoint.architecture == "llamba")
        #expect(s == ModelShape(architecture: "llamba", dModel: 64, layers: 2, vocabSize: 256, dInner: 64, heads: 8,
                                headDim: 8, groups: 2, dState: 16, convKernel: 4, mlpHidden: 160,
                                inProjRows: 128 + 64 + 8, tiedHead: true))
        #expect(checkpoint.model.hyper.convSiLU == false)
        #expect(checkpoint.model.hyper.normEpsilon == 1e-5)
        for block in checkpoint.model.blocks {
            #expect(block.mixer.kind == .discreteMamba2)
            #expect(block.mixer.zBias?.count == 64)
            #expect(block.mixer.d.count == 8)
            #expect(block.mixer.convBias?.count == 128)
            #expect(block.mixer.dtBias == nil && block.mixer.aLog == nil && block.mixer.gatedNormWeight == nil)
            #expect(block.mlp?.gateUp.fanOut == 320)
        }
        #expect(checkpoint.model.lmHead.layout == .rowMajor)
    }

    @Test("registry resolves llamba and LlambaForCausalLM")
    func registry() throws {
        for (key, value) in [("model_type", "llamba" as Any), ("architectures", ["LlambaForCausalLM"] as Any)] {
            var config = try Self.fixtureConfig()
            config.removeValue(forKey: "model_type")
            config[key] = value
            let dir = try Self.makeCheckpoint(config: config, tensors: [:])
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(try ModelRegistry.adapter(forConfig: dir.appendingPathComponent("config.json")).name == "llamba")
        }
    }

    @Test("vocab_size is padded to pad_vocab_size_multiple; unpadded tensors are accepted too")
    func vocabPadding() throws {
        var config = try Self.fixtureConfig()
        config["vocab_size"] = 250  // padded to 256 with the fixture's multiple of 8
        var tensors = try Self.fixtureTensors()
        let embedding = tensors["backbone.embedding.weight"]!

        let padded = try Self.makeCheckpoint(config: config, tensors: tensors)
        defer { try? FileManager.default.removeItem(at: padded) }
        #expect(try Checkpoint.load(padded).model.shape.vocabSize == 256)

        tensors["backbone.embedding.weight"] = ([250, 64], Array(embedding.values.prefix(250 * 64)))
        let stripped = try Self.makeCheckpoint(config: config, tensors: tensors)
        defer { try? FileManager.default.removeItem(at: stripped) }
        let model = try Checkpoint.load(stripped).model
        #expect(model.shape.vocabSize == 250)
        #expect(model.lmHead.fanOut == 250)

        tensors["backbone.embedding.weight"] = ([252, 64], Array(embedding.values.prefix(252 * 64)))
        let wrong = try Self.makeCheckpoint(config: config, tensors: tensors)
        defer { try? FileManager.default.removeItem(at: wrong) }
        #expect(throws: CheckpointError.shapeMismatch(name: "backbone.embedding.weight", expected: [256, 64], actual: [252, 64],
                                                      file: wrong.appendingPathComponent("model.safetensors").path)) {
            try Checkpoint.load(wrong)
        }
    }

    @Test("an untied head is read from lm_head.weight (+ lm_head.bias with lm_head_bias)")
    func untiedHead() throws {
        var config = try Self.fixtureConfig()
        config["tie_embeddings"] = false
        config["lm_head_bias"] = true
        var tensors = try Self.fixtureTensors()
        let missing = try Self.makeCheckpoint(config: config, tensors: tensors)
        defer { try? FileManager.default.removeItem(at: missing) }
        #expect(throws: CheckpointError.missingTensor(name: "lm_head.weight", directory: missing.path)) {
            try Checkpoint.load(missing)
        }
        tensors["lm_head.weight"] = ([256, 64], (0..<(256 * 64)).map { Float($0 % 7) })
        tensors["lm_head.bias"] = ([256], (0..<256).map { Float($0) })
        let dir = try Self.makeCheckpoint(config: config, tensors: tensors)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Checkpoint.load(dir).model
        #expect(model.shape.tiedHead == false)
        #expect(model.lmHead.layout == .rowMajor && model.lmHead.storage.isMapped)
        #expect(model.lmHead.bias?[255] == 255)
        #expect(model.lmHead.weight(out: 3, in: 5) == Float((3 * 64 + 5) % 7))
    }

    @Test("ssm_cfg.bias: projections get biases and z_bias is absent")
    func projectionBias() throws {
        var config = try Self.fixtureConfig()
        var ssm = config["ssm_cfg"] as! [String: Any]
        ssm["bias"] = true
        config["ssm_cfg"] = ssm
        var tensors = try Self.fixtureTensors()
        for l in 0..<2 {
            let p = "backbone.layers.\(l).mixer."
            tensors.removeValue(forKey: p + "z_bias")
            tensors[p + "in_proj.bias"] = ([200], [Float](repeating: 0.5, count: 200))
            tensors[p + "out_proj.bias"] = ([64], [Float](repeating: 0.25, count: 64))
        }
        let dir = try Self.makeCheckpoint(config: config, tensors: tensors)
        defer { try? FileManager.default.removeItem(at: dir) }
        let mixer = try Checkpoint.load(dir).model.blocks[1].mixer
        #expect(mixer.zBias == nil)
        #expect(mixer.inProj.bias?.count == 200)
        #expect(mixer.outProj.bias?.first == 0.25)
    }

    @Test("BF16 and F16 checkpoints load, widened exactly")
    func storedDTypes() throws {
        let config = try Self.fixtureConfig()
        let tensors = try Self.fixtureTensors()
        let embedding = tensors["backbone.embedding.weight"]!.values
        let d = tensors["backbone.layers.1.mixer.D"]!.values
        var cases: [(String, (Float) -> Float)] = [("BF16", Self.bf16)]
        #if !(os(macOS) && arch(x86_64))
        cases.append(("F16", { Float(Float16($0)) }))
        #endif
        for (dtype, round) in cases {
            let dir = try Self.makeCheckpoint(config: config, tensors: tensors, dtype: dtype)
            defer { try? FileManager.default.removeItem(at: dir) }
            let model = try Checkpoint.load(dir).model
            #expect(model.embedding.widened() == embedding.map(round), "\(dtype) embedding")
            #expect(model.blocks[1].mixer.d == d.map(round), "\(dtype) D")
        }
    }

    @Test("unsupported or malformed options fail with one line naming config.json and the key")
    func errors() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("ssm_cfg.activation 'relu'", { c in var s = c["ssm_cfg"] as! [String: Any]; s["activation"] = "relu"; c["ssm_cfg"] = s }),
            ("mlp_cfg.act_fn 'gelu'", { c in var m = c["mlp_cfg"] as! [String: Any]; m["act_fn"] = "gelu"; c["mlp_cfg"] = m }),
            ("ssm_cfg.n_v_heads (8) must be a multiple of ssm_cfg.n_qk_heads (3)",
             { c in var s = c["ssm_cfg"] as! [String: Any]; s["n_qk_heads"] = 3; c["ssm_cfg"] = s }),
            ("ssm_cfg.expand × d_model = 64 is not a multiple of ssm_cfg.n_v_heads (6)",
             { c in var s = c["ssm_cfg"] as! [String: Any]; s["n_v_heads"] = 6; s["n_qk_heads"] = 1; c["ssm_cfg"] = s }),
            ("ssm_cfg.d_state must be positive", { c in var s = c["ssm_cfg"] as! [String: Any]; s["d_state"] = 0; c["ssm_cfg"] = s }),
            ("missing key 'mlp_cfg.intermediate_size'", { c in var m = c["mlp_cfg"] as! [String: Any]; m.removeValue(forKey: "intermediate_size"); c["mlp_cfg"] = m }),
            ("missing key 'd_model'", { c in c.removeValue(forKey: "d_model") }),
            ("pad_vocab_size_multiple must be positive", { c in c["pad_vocab_size_multiple"] = 0 }),
            ("norm_epsilon 1e-06", { c in c["norm_epsilon"] = 1e-6 }),
        ]
        for (expected, edit) in cases {
            let error = try Self.loadError(editing: edit)
            let message = error?.description ?? "loaded without error"
            #expect(message.contains("config.json: "), "\(message)")
            #expect(message.contains(expected), "\(message)")
            #expect(!message.contains("\n"))
        }
    }
}
