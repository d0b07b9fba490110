import MarsimTestSupport
import Foundation
@testable import MarsimCheckpoint
import Testing

/// Hundreds of seeded random mutations of real fixtures' files. Each must either load or throw a
/// one-line `CheckpointError` naming a file in the checkpoint: never trap (precondition, overflow,
/// index out of range), hang, or throw anything else. A trap kills the test process, so reaching
/// the end is itself the main assertion. Mutations are replayable: a failure names the seed, the
/// index and the edit.
@Suite("Fuzz")
struct FuzzTests {
    static let seed: UInt64 = 0x6D61_7273_696D  // "marsim"

    /// How the mutations of one test turned out.
    struct Tally: CustomStringConvertible {
        var loaded = 0, rejected = 0
        var total: Int { loaded + rejected }
        var description: String { "\(total) mutations: \(loaded) loaded, \(rejected) rejected with a CheckpointError" }
    }

    /// Loads `dir` and files the outcome; anything but success or a good CheckpointError is an issue.
    static func attempt(_ dir: TemporaryDirectory, _ label: @autoclosure () -> String, _ tally: inout Tally) {
        do {
            let checkpoint = try Checkpoint.load(dir.url)
            let model = checkpoint.model
            #expect(model.blocks.count == model.shape.layers && model.lmHead.fanOut == model.shape.vocabSize, "\(label())")
            #expect(model.embedding.count == model.shape.vocabSize * model.shape.dModel, "\(label())")
            tally.loaded += 1
        } catch let error as CheckpointError {
            let message = error.description
            #expect(!message.contains("\n") && message.contains(dir.url.lastPathComponent), "\(label()): \(message)")
            tally.rejected += 1
        } catch {
            Issue.record("\(label()): threw \(type(of: error)) instead of a CheckpointError: \(error)")
        }
    }

    static func copyFixture(_ fixture: URL, to dir: TemporaryDirectory, _ names: [String]) throws {
        for name in names {
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: dir.file(name))
        }
    }

    // MARK: safetensors header

    static let dtypes = ["F16", "BF16", "F64", "I8", "U8", "I16", "I32", "I64", "BOOL", "F8_E4M3", "U32", "f32", "", "F32\u{0}", "F32 "]

    @Test("300 mutations of tiny-mamba2-bytes' safetensors header and length field")
    func safetensorsHeader() throws {
        let dir = try TemporaryDirectory("fuzz-header")
        defer { dir.remove() }
        try Self.copyFixture(FixturePaths.tinyMamba2Bytes, to: dir, ["config.json"])
        let original = try Data(contentsOf: FixturePaths.tinyMamba2Bytes.appendingPathComponent("model.safetensors"))
        let headerLength = Int(original.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = Array(original[8..<(8 + headerLength)])
        let data = original.subdata(in: (8 + headerLength)..<original.count)
        var mutator = Mutator(seed: Self.seed)
        var tally = Tally()
        let count = 300
        for i in 0..<count {
            var text = header
            var lengthField: UInt64?
            var label: String
            var afterAssembly: ((inout Data) -> String)?
            switch mutator.rng.below(11) {
            case 0, 1: label = mutator.changeNumber(&text)
            case 2: label = mutator.changeString(&text, key: "dtype", choices: Self.dtypes)
            case 3: label = Self.editHeaderObject(&text, &mutator)
            case 4: label = Self.consistentHeaderEdit(&text, &mutator)
            case 5: label = mutator.insertGarbage(&text)
            case 6: label = mutator.truncate(&text)
            case 7:
                label = "flip bits in length field and header"
                afterAssembly = { file in
                    var prefix = Array(file.prefix(8 + text.count))
                    let what = mutator.flipBits(&prefix, in: 0..<prefix.count)
                    file.replaceSubrange(0..<prefix.count, with: prefix)
                    return what
                }
            case 8:
                let value = mutator.rng.pick([0, 1, 7, UInt64(text.count) - 1, UInt64(text.count) + 1, UInt64(text.count) + 8,
                                              UInt64(original.count), 100_000_001, UInt64(Int.max), .max, mutator.rng.next()])
                lengthField = value
                label = "length field \(value)"
            case 9:
                label = "truncate the file"
                afterAssembly = { file in
                    let keep = mutator.rng.below(file.count)
                    file = file.prefix(keep)
                    return "truncate the file to \(keep) bytes"
                }
            default:
                label = mutator.changeNumber(&text) + "; " + mutator.changeString(&text, key: "dtype", choices: Self.dtypes)
            }
            var file = Data(capacity: 8 + text.count + data.count)
            withUnsafeBytes(of: (lengthField ?? UInt64(text.count)).littleEndian) { file.append(contentsOf: $0) }
            file.append(contentsOf: text)
            file.append(data)
            if let afterAssembly { label = afterAssembly(&file) }
            try file.write(to: dir.file("model.safetensors"))
            Self.attempt(dir, "header mutation \(i) (seed \(Self.seed)): \(label)", &tally)
        }
        print("fuzz safetensors header: \(tally)")
        #expect(tally.total == count)
        #expect(tally.loaded > 0 && tally.rejected > count / 2, "most header mutations should break the file, a few not")
    }

    /// A structural edit of the parsed header: inside one tensor's entry (usually), or at top level.
    static func editHeaderObject(_ text: inout [UInt8], _ mutator: inout Mutator) -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(text))) as? [String: Any] else { return "unparsable" }
        let label: String
        let names = object.keys.filter { $0 != "__metadata__" }.sorted()
        if mutator.rng.chance(0.8), !names.isEmpty {
            let name = mutator.rng.pick(names)
            guard var entry = object[name] as? [String: Any] else { return "not an entry" }
            label = "'\(name)'." + mutator.editObject(&entry)
            object[name] = entry
        } else {
            label = mutator.editObject(&object)
        }
        text = jsonBytes(object)
        return label
    }

    /// An edit that keeps the file self-consistent (offsets still tile the buffer) but changes what
    /// it says, so the load gets past the format checks to the adapter: a reshape with the same
    /// element count, a rename, a same-size dtype, or a metadata change.
    static func consistentHeaderEdit(_ text: inout [UInt8], _ mutator: inout Mutator) -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(text))) as? [String: Any] else { return "unparsable" }
        let names = object.keys.filter { $0 != "__metadata__" }.sorted()
        let name = mutator.rng.pick(names)
        var entry = object[name] as! [String: Any]
        let shape = entry["shape"] as! [Int]
        let label: String
        switch mutator.rng.below(5) {
        case 0:
            let count = shape.reduce(1, *)
            let new = mutator.rng.pick([Array(shape.reversed()), [count], [1] + shape, shape + [1], count % 2 == 0 ? [2, count / 2] : [count, 1]])
            entry["shape"] = new
            label = "'\(name)' reshaped \(shape) → \(new)"
        case 1:
            let new = mutator.rng.pick([name + ".x", name.replacingOccurrences(of: "layers.0", with: "layers.7"), "lm_head.weight",
                                        name.replacingOccurrences(of: "weight", with: "bias"), "backbone.embedding.weight"])
            object[name] = nil
            object[new] = entry
            label = "'\(name)' renamed '\(new)'"
        case 2:
            entry["dtype"] = mutator.rng.pick(["I32", "F16", "BF16", "I16", "U8", "F64"])
            if let dtype = entry["dtype"] as? String, dtype != "I32" {
                // Keep the byte size: F16/BF16/I16 hold twice the elements, U8 four times, F64 half.
                let count = shape.reduce(1, *)
                entry["shape"] = dtype == "U8" ? [count * 4] : dtype == "F64" ? [count / 2] : [count * 2]
            }
            label = "'\(name)' dtype \(entry["dtype"]!), shape \(entry["shape"]!)"
        case 3:
            object["__metadata__"] = mutator.rng.pick([["format": "pt", "total": "1"], [:], ["format": "tf"]] as [[String: String]])
            label = "metadata \(object["__metadata__"]!)"
        default:
            object["__metadata__"] = nil
            label = "no metadata"
        }
        if object[name] != nil { object[name] = entry }
        text = jsonBytes(object)
        return label
    }

    // MARK: config.json

    /// The keys the adapters read, which the config mutations favour.
    static let relevantKeys = [
        "architectures", "model_type", "hidden_size", "num_hidden_layers", "vocab_size", "state_size", "num_heads", "head_dim",
        "n_groups", "conv_kernel", "expand", "layer_norm_epsilon", "time_step_limit", "tie_word_embeddings", "use_bias",
        "use_conv_bias", "hidden_act", "intermediate_size", "mamba_n_heads", "mamba_d_head", "mamba_n_groups", "mamba_d_state",
        "mamba_expand", "mamba_d_conv", "rms_norm_eps", "attn_layer_indices", "mamba_proj_bias", "mamba_conv_bias", "mlp_bias",
    ]

    @Test("200 mutations of tiny-mamba2-bytes' config.json (Mamba2)")
    func mamba2Config() throws {
        try Self.fuzzConfig(FixturePaths.tinyMamba2Bytes, count: 200, seed: Self.seed &+ 1)
    }

    @Test("100 mutations of tiny-llamba-bytes' config.json (Bamba)")
    func bambaConfig() throws {
        try Self.fuzzConfig(FixturePaths.tinyLlambaBytes, count: 100, seed: Self.seed &+ 2)
    }

    static func fuzzConfig(_ fixture: URL, count: Int, seed: UInt64) throws {
        let dir = try TemporaryDirectory("fuzz-config")
        defer { dir.remove() }
        try copyFixture(fixture, to: dir, ["model.safetensors"])
        let configData = try Data(contentsOf: fixture.appendingPathComponent("config.json"))
        let config = try JSONSerialization.jsonObject(with: configData) as! [String: Any]
        var mutator = Mutator(seed: seed)
        var tally = Tally()
        for i in 0..<count {
            var object = config
            var text: [UInt8]
            var label: String
            switch mutator.rng.below(10) {
            case 0, 1, 2, 3:
                label = editConfig(&object, &mutator)
                text = jsonBytes(object)
            case 4:
                label = editConfig(&object, &mutator) + "; " + editConfig(&object, &mutator)
                text = jsonBytes(object)
            case 5:
                text = Array(configData)
                label = mutator.changeNumber(&text)
            case 6:
                text = Array(configData)
                label = mutator.insertGarbage(&text)
            case 7:
                text = Array(configData)
                label = mutator.flipBits(&text, in: 0..<text.count)
            case 8:
                text = Array(configData)
                label = mutator.truncate(&text)
            default:
                let limit = mutator.rng.pick(["[0.0, Infinity]", "[0.001, 0.1]", "[0.1, 0.001]", "[-1, 1]", "[Infinity, Infinity]", "[0]",
                                              "[NaN, 1]", "[0, -Infinity]", "[1e-300, 1e300]", "\"0.1\"", "[{\"__float__\": \"1e-3\"}, 2]"])
                object["time_step_limit"] = nil
                var json = String(decoding: jsonBytes(object), as: UTF8.self)
                json.insert(contentsOf: "\"time_step_limit\": \(limit),", at: json.index(after: json.startIndex))
                text = Array(json.utf8)
                label = "time_step_limit \(limit)"
            }
            try Data(text).write(to: dir.file("config.json"))
            attempt(dir, "config mutation \(i) of \(fixture.lastPathComponent) (seed \(seed)): \(label)", &tally)
        }
        print("fuzz config.json of \(fixture.lastPathComponent): \(tally)")
        #expect(tally.total == count)
    }

    /// One edit of config.json's object, usually on a key an adapter reads.
    static func editConfig(_ object: inout [String: Any], _ mutator: inout Mutator) -> String {
        let present = relevantKeys.filter { object[$0] != nil }
        guard mutator.rng.chance(0.75), !present.isEmpty else { return mutator.editObject(&object) }
        let key = mutator.rng.pick(present)
        var single: [String: Any] = [key: object[key]!]
        if let value = object[key] as? Int, mutator.rng.chance(0.5) {
            let new = mutator.number(replacing: Substring(String(value)))
            object[key] = Mutator.parse(new)
            return "'\(key)' \(value) → \(new)"
        }
        let label = mutator.editObject(&single)
        object[key] = single[key]
        return label
    }

    // MARK: shard index

    @Test("100 mutations of a 2-shard tiny-mamba2-bytes' model.safetensors.index.json")
    func shardIndex() throws {
        let dir = try TemporaryDirectory("fuzz-index")
        defer { dir.remove() }
        try CheckpointFiles.fixture(FixturePaths.tinyMamba2Bytes).write(to: dir.url, shards: 2)
        let indexData = try Data(contentsOf: dir.file("model.safetensors.index.json"))
        let index = try JSONSerialization.jsonObject(with: indexData) as! [String: Any]
        var mutator = Mutator(seed: Self.seed &+ 3)
        var tally = Tally()
        let count = 100
        for i in 0..<count {
            var object = index
            var text: [UInt8]
            var label: String
            switch mutator.rng.below(6) {
            case 0, 1, 2:
                var map = object["weight_map"] as! [String: Any]
                let names = map.keys.sorted()
                let name = mutator.rng.pick(names)
                switch mutator.rng.below(4) {
                case 0: map[name] = nil; label = "weight_map drops '\(name)'"
                case 1: map[name] = mutator.rng.pick([CheckpointFiles.shardName(0, of: 2), CheckpointFiles.shardName(1, of: 2), "model.safetensors",
                                                      "missing.safetensors", "", ".", "..", "../config.json", "config.json", "/etc/hosts"])
                    label = "weight_map['\(name)'] = \(map[name]!)"
                case 2: map["ghost.\(i)"] = map[name]; label = "weight_map adds ghost.\(i)"
                default: map[name] = Mutator.parse(mutator.rng.pick(Mutator.interestingValues)); label = "weight_map['\(name)'] retyped"
                }
                object["weight_map"] = map
                text = jsonBytes(object)
            case 3:
                label = mutator.editObject(&object)
                text = jsonBytes(object)
            case 4:
                text = Array(indexData)
                label = mutator.insertGarbage(&text)
            default:
                text = Array(indexData)
                label = mutator.truncate(&text)
            }
            try Data(text).write(to: dir.file("model.safetensors.index.json"))
            Self.attempt(dir, "index mutation \(i) (seed \(Self.seed &+ 3)): \(label)", &tally)
        }
        print("fuzz shard index: \(tally)")
        #expect(tally.total == count)
    }
}
