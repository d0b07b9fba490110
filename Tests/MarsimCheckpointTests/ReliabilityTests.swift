import Foundation
@testable import MarsimCheckpoint
import MarsimCore
import MarsimTestSupport
import Testing

/// Checkpoint cases of issue 11: overflowing config numbers, non-finite weights, duplicate JSON
/// keys, a dangling symbolic link, and the logits writer's all-or-nothing output.
@Suite("Checkpoint reliability")
struct CheckpointReliabilityTests {
    /// `pad_vocab_size_multiple` near Int.max used to overflow `vocab + multiple − vocab % multiple`.
    @Test(arguments: [Int.max, Int.max - 1, Int.max / 2 + 1, 1 << 62, 10_000_001])
    func paddedVocabularyOverflowIsAnError(multiple: Int) throws {
        var config = try LlambaConfigTests.fixtureConfig()
        config["pad_vocab_size_multiple"] = multiple
        let dir = try LlambaConfigTests.makeCheckpoint(config: config, tensors: try LlambaConfigTests.fixtureTensors())
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: CheckpointError.self) { _ = try Checkpoint.load(dir) }
        #expect(error?.description.contains("rounded up to a multiple of pad_vocab_size_multiple \(multiple) exceeds 10000000 rows") == true,
                "\(String(describing: error))")
        #expect(LlambaArchitecture.paddedVocab(Int.max - 3, multiple: 8) == nil)
        #expect(LlambaArchitecture.paddedVocab(250, multiple: 8) == 256 && LlambaArchitecture.paddedVocab(256, multiple: 8) == 256)
    }

    /// Writes `bits` over element `index` of tensor `name` in `dir`'s model.safetensors (F32).
    static func poke(_ dir: URL, tensor name: String, index: Int, bits: UInt32) throws {
        let url = dir.appendingPathComponent("model.safetensors")
        var data = try Data(contentsOf: url)
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: data[8 ..< 8 + headerLength]) as! [String: Any]
        let offsets = (header[name] as! [String: Any])["data_offsets"] as! [Int]
        let at = 8 + headerLength + offsets[0] + 4 * index
        withUnsafeBytes(of: bits.littleEndian) { data.replaceSubrange(at ..< at + 4, with: $0) }
        try data.write(to: url)
    }

    @Test(arguments: [(UInt32(0x7FC0_0000), "NaN"), (0x7F80_0000, "+inf"), (0xFF80_0000, "-inf")])
    func nonFiniteWeightsAreRefusedNamingTheTensor(bits: UInt32, kind: String) throws {
        let dir = try LlambaConfigTests.makeCheckpoint(config: try LlambaConfigTests.fixtureConfig(),
                                                       tensors: try LlambaConfigTests.fixtureTensors())
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.poke(dir, tensor: "backbone.layers.1.mixer.out_proj.weight", index: 17, bits: bits)
        let error = #expect(throws: CheckpointError.self) { _ = try Checkpoint.load(dir) }
        #expect(error == .nonFiniteWeight(name: "backbone.layers.1.mixer.out_proj.weight", index: 17, kind: kind,
                                          file: dir.appendingPathComponent("model.safetensors").path))
        #expect(error?.description.contains("--allow-nonfinite") == true)
        let loaded = try Checkpoint.load(dir, allowNonFinite: true)
        #expect(loaded.model.shape.layers == 2)
    }

    /// The check reads raw F16 and BF16 bits too (exponent all ones), not only F32.
    @Test func nonFiniteValuesInEveryFloatType() {
        func first<T: FixedWidthInteger>(_ words: [T], _ dtype: TensorDType) -> (index: Int, kind: String)? {
            words.withUnsafeBytes { NonFiniteValues.first(in: $0, dtype: dtype, count: words.count) }
        }
        #expect(first([UInt16(0x3C00), 0x7C00], .f16)! == (1, "+inf"))
        #expect(first([UInt16(0x7BFF), 0xFE00], .f16)! == (1, "NaN"))
        #expect(first([UInt16(0x7F7F), 0x3F80], .bf16) == nil)
        #expect(first([UInt16(0x3F80), 0xFF80], .bf16)! == (1, "-inf"))
        #expect(first([UInt64(0x7FF8_0000_0000_0000)], .f64)! == (0, "NaN"))
        #expect(first([UInt32(0x7F7F_FFFF), 0x0000_0001], .f32) == nil, "the largest finite and a subnormal are finite")
    }

    @Test func duplicateKeysInConfigAreRefused() throws {
        let dir = try TemporaryDirectory("dup")
        defer { dir.remove() }
        try FileManager.default.copyItem(at: LlambaConfigTests.fixture.appendingPathComponent("model.safetensors"), to: dir.file("model.safetensors"))
        let original = try String(contentsOf: LlambaConfigTests.fixture.appendingPathComponent("config.json"), encoding: .utf8)
        // The second n_layer (Python keeps the last one) would have been ignored.
        let duplicated = original.replacingOccurrences(of: "{", with: "{\"n_layer\": 3, ", options: [], range: original.range(of: "{"))
        try duplicated.write(to: dir.file("config.json"), atomically: true, encoding: .utf8)
        let error = #expect(throws: CheckpointError.self) { _ = try Checkpoint.load(dir.url) }
        #expect(error?.description == "\(dir.file("config.json").path): has the key 'n_layer' twice (JSON readers disagree on which value counts: Python keeps the last, others the first)")
    }

    @Test func duplicateKeyScanner() {
        func first(_ json: String) -> String? { JSONDuplicateKeys.first(in: Array(json.utf8)) }
        #expect(first(#"{"a": 1, "b": {"c": 2, "c": 3}}"#) == "b.c")
        #expect(first(#"{"a": 1, "\u0061": 2}"#) == "a", "escapes are compared unescaped")
        #expect(first(#"[{"x": 1}, {"x": 2, "y": [1, {"z": 0, "z": 1}]}]"#) == "[1].y[1].z")
        #expect(first(#"{"a": "{\"a\": 1}", "b": [1, 2,], /* c */ "c": Infinity, d: 1, 'e': 2}"#) == nil)
        #expect(first(#"{a: 1, 'a': 2}"#) == "a", "JSON5 bare and single-quoted keys")
        #expect(first(#"{"a": 1, "a""#) == "a")
        #expect(first(#"{"a": [1, 2}"#) == nil, "malformed text: no answer, the decoder reports it")
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(first(deep) == nil, "deep nesting cannot overflow the stack")
    }

    /// A `model.safetensors` that is a symbolic link to nothing: say so, without blaming an index
    /// that does not exist.
    @Test func danglingWeightsLinkIsNamed() throws {
        let dir = try TemporaryDirectory("dangling")
        defer { dir.remove() }
        try FileManager.default.copyItem(at: LlambaConfigTests.fixture.appendingPathComponent("config.json"), to: dir.file("config.json"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("model.safetensors").path, withDestinationPath: "/nonexistent/weights.safetensors")
        let error = #expect(throws: CheckpointError.self) { _ = try Checkpoint.load(dir.url) }
        #expect(error?.description == "\(dir.file("model.safetensors").path): file not found (it is a symbolic link to /nonexistent/weights.safetensors, which does not exist)")
    }

    /// The logits writer: a temporary file until `finish`, a header rewritten for a run stopped
    /// early, nothing left behind on `discard`.
    @Test func logitsWriterWritesWholeFilesOnly() throws {
        let dir = try TemporaryDirectory("logits")
        defer { dir.remove() }
        let path = dir.file("l.safetensors").path
        let writer = try SafetensorsMatrixWriter(path: path, name: "logits", rows: 100, columns: 3)
        for r in 0..<4 { try writer.append(row: [Float(r), 1, 2]) }
        #expect(!FileManager.default.fileExists(atPath: path))
        try writer.finish(allowFewerRows: true)
        let file = try SafetensorsFile(url: URL(fileURLWithPath: path))
        #expect(file.tensors["logits"]?.shape == [4, 3])
        #expect(try file.floats("logits") == [0, 1, 2, 1, 1, 2, 2, 1, 2, 3, 1, 2])
        let failing = try SafetensorsMatrixWriter(path: path, name: "logits", rows: 2, columns: 3)
        try failing.append(row: [9, 9, 9])
        #expect(throws: CheckpointError.self) { try failing.finish() }
        #expect(try SafetensorsFile(url: URL(fileURLWithPath: path)).tensors["logits"]?.shape == [4, 3], "the earlier file stays")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["l.safetensors"])
    }
}
