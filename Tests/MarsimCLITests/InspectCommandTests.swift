import ArgumentParser
import Foundation
@testable import MarsimCheckpoint
@testable import MarsimCLI
import Testing

/// `marsim inspect` and the shared `--checkpoint` option.
@Suite("inspect")
struct InspectCommandTests {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tinyLlambaBytes = repoRoot.appendingPathComponent("checkpoints/tiny-llamba-bytes")
    static let tinyMamba2Bytes = repoRoot.appendingPathComponent("Tests/Fixtures/tiny-mamba2-bytes")

    static func report(_ arguments: [String]) throws -> InspectReport {
        let command = try InspectCommand.parse(arguments)
        return try InspectReport(checkpoint: command.checkpointOptions.load())
    }

    @Test("Without --checkpoint the embedded checkpoint is used, wherever marsim runs from")
    func defaultCheckpoint() throws {
        let options = try CheckpointOptions.parse([])
        #expect(options.checkpoint == nil)
        let resolved = options.resolvedDirectory()
        #expect(resolved.path.hasSuffix("checkpoints/tiny-llamba-bytes"))
        #expect(FileManager.default.fileExists(atPath: resolved.appendingPathComponent("config.json").path))
        #expect(try options.load().architecture == "bamba")
    }

    @Test("--checkpoint takes absolute and current-directory-relative paths")
    func explicitCheckpoint() throws {
        let absolute = try CheckpointOptions.parse(["--checkpoint", Self.tinyMamba2Bytes.path])
        #expect(absolute.resolvedDirectory().path == Self.tinyMamba2Bytes.standardizedFileURL.path)
        let relative = try CheckpointOptions.parse(["--checkpoint", "some/dir"])
        #expect(relative.resolvedDirectory().path == URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent("some/dir").standardizedFileURL.path)
    }

    @Test("The embedded Bamba checkpoint: shape, counts, four spiking sites per block, byte-level tokenizer")
    func bambaReport() throws {
        let r = try Self.report(["--checkpoint", Self.tinyLlambaBytes.path])
        #expect(r.architecture == .init(adapter: "bamba", configArchitectures: ["BambaForCausalLM"], configModelType: "bamba"))
        #expect(r.parameterCount == r.tensors.reduce(0) { $0 + $1.shape.reduce(1, *) })
        #expect(r.storedBytes == 4 * r.parameterCount && r.dtypes == ["F32": r.tensors.count] && r.files == ["model.safetensors"])
        #expect(r.shape.dModel == 128 && r.shape.layers == 4 && r.shape.mlpHidden == 384 && !r.shape.tiedHead)
        #expect(r.spikingSitesPerBlock.map(\.site) == ["mixer.in_proj", "mixer.out_proj", "mlp.gate_up_proj", "mlp.down_proj"])
        #expect(r.spikingSitesPerBlock.map(\.fanIn) == [128, 256, 128, 384])
        #expect(r.spikingSitesPerBlock.map(\.fanOut) == [584, 128, 768, 128])
        #expect(r.spikingNeuronsPerToken == 4 * (128 + 256 + 128 + 384))
        #expect(r.tokenizer.kind == "byte-level")
        #expect(r.dense.contains("silu(gate) · up"))
    }

    @Test("A mixer-only Mamba2 checkpoint has two spiking sites per block and no MLP")
    func mamba2Report() throws {
        let r = try Self.report(["--checkpoint", Self.tinyMamba2Bytes.path])
        #expect(r.architecture.adapter == "mamba2" && r.architecture.configModelType == "mamba2")
        #expect(r.spikingSitesPerBlock.map(\.site) == ["mixer.in_proj", "mixer.out_proj"])
        #expect(r.spikingNeuronsPerToken == 3 * (96 + 192))
        #expect(!r.dense.contains("silu(gate) · up"))
        #expect(r.text().contains("none (mixer-only blocks)"))
    }

    @Test("Every tensor is listed once, in natural order, with shape, dtype and bytes")
    func tensorTable() throws {
        let r = try Self.report(["--checkpoint", Self.tinyLlambaBytes.path])
        let checkpoint = try Checkpoint.load(Self.tinyLlambaBytes)
        #expect(Set(r.tensors.map(\.name)) == Set(checkpoint.store.tensors.keys) && r.tensors.count == checkpoint.store.tensors.count)
        let text = r.text()
        for tensor in r.tensors {
            let line = text.split(separator: "\n").first { $0.hasPrefix("  " + tensor.name + " ") }
            #expect(line?.contains("[" + tensor.shape.map(String.init).joined(separator: ", ") + "]") == true, "\(tensor.name)")
            #expect(line?.contains(tensor.dtype) == true)
        }
        let layerOrder = r.tensors.map(\.name).filter { $0.hasSuffix("input_layernorm.weight") }
        #expect(layerOrder == (0..<4).map { "model.layers.\($0).input_layernorm.weight" })
        #expect(InspectReport.naturallyOrdered("model.layers.2.x", "model.layers.10.x"))
        #expect(!InspectReport.naturallyOrdered("model.layers.10.x", "model.layers.2.x"))
        #expect(InspectReport.naturallyOrdered("a.weight", "b.weight"))
    }

    @Test("The text report names the architecture, the shape and the plan")
    func textReport() throws {
        let text = try Self.report(["--checkpoint", Self.tinyLlambaBytes.path]).text()
        for phrase in ["Architecture  bamba (config.json: architectures BambaForCausalLM, model_type bamba)",
                       "1.09 M", "4.38 MB", "F32 × 55 tensors", "8 × 32 = 256 (I)", "584 (z 256, xBC 320, dt 8)",
                       "untied (lm_head.weight)", "mlp.gate_up_proj  128 → 768  128 neurons (gate and up share one input)",
                       "= 896 neurons per block, 3,584 per token", "Tokenizer: byte-level"] {
            #expect(text.contains(phrase), "missing: \(phrase)")
        }
    }

    @Test("--json is the same report, decodable")
    func jsonReport() throws {
        let r = try Self.report(["--checkpoint", Self.tinyMamba2Bytes.path, "--json"])
        let decoded = try JSONDecoder().decode(InspectReport.self, from: Data(try r.jsonText().utf8))
        #expect(decoded == r)
        #expect(try InspectCommand.parse(["--json"]).json)
    }

    @Test("A checkpoint that cannot be loaded is one line naming the file", arguments: [
        ("/nonexistent/ckpt", "/nonexistent/ckpt: file not found"),
        ("Tests/Fixtures/tiny-mamba2-bytes/model.safetensors", "model.safetensors: is a file, not a checkpoint directory"),
        ("Tests/Fixtures/tokenizer-llama3-style", "tokenizer-llama3-style/config.json: file not found"),
    ])
    func loadErrors(path: String, expected: String) throws {
        let full = path.hasPrefix("/") ? path : Self.repoRoot.appendingPathComponent(path).path
        var command = try InspectCommand.parse(["--checkpoint", full])
        do {
            try command.run()
            Issue.record("inspect of \(path) succeeded")
        } catch {
            #expect(error is CheckpointError)
            let message = InspectCommand.message(for: error)
            #expect(message.contains(expected), "\(message)")
            #expect(!message.contains("\n"))
        }
    }

    @Test("Help has the abstract, the examples and the option")
    func help() {
        let help = InspectCommand.helpMessage(columns: 200)
        #expect(help.contains("Describe a checkpoint"))
        #expect(help.contains("marsim inspect --checkpoint DIR --json"))
        #expect(help.contains("--checkpoint <dir>") && help.contains("--json"))
    }
}
