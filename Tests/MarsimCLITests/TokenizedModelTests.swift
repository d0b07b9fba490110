import Foundation
import MarsimCheckpoint
@testable import MarsimCLI
import MarsimCore
import MarsimEngine
import MarsimStudy
import MarsimTestSupport
import MarsimTokenizer
import Testing

/// A checkpoint with a real vocabulary (not bytes): text goes through its tokenizer.json everywhere.
@Suite("Tokenized checkpoints")
struct TokenizedModelTests {
    static let tokenizerFile = InspectCommandTests.repoRoot.appendingPathComponent("Tests/Fixtures/tokenizer-llama3-style/tokenizer.json")

    /// A random attention-free Bamba checkpoint with 1,000 tokens, with `tokenizer.json` beside it when asked.
    static func checkpoint(withTokenizer: Bool) throws -> (Checkpoint, TemporaryDirectory) {
        var shape = SyntheticShape()
        shape.vocab = 1000
        let dir = try TemporaryDirectory("tokenized")
        try CheckpointFiles.bamba(shape).write(to: dir.url)
        if withTokenizer { try FileManager.default.copyItem(at: tokenizerFile, to: dir.file("tokenizer.json")) }
        return (try Checkpoint.load(dir.url), dir)
    }

    @Test("text is encoded by the checkpoint's tokenizer.json, and bits per byte divide by real bytes")
    func simulateTokenized() throws {
        let (checkpoint, dir) = try Self.checkpoint(withTokenizer: true)
        defer { dir.remove() }
        let text = "Hello world, it's 2026!"
        let reference = try TokenizerLoader.load(tokenizerFile: Self.tokenizerFile)
        let input = try InputOptions.parse(["--text", text]).tokens(for: checkpoint)
        #expect(input.ids == (try reference.encode(text, addSpecialTokens: true)))
        #expect(input.ids.first == reference.bosTokenID)
        let settings = SimulationSettings(mode: .dense, parameters: ATMNParameters(timesteps: 1, tau: 1),
                                          placement: try Placement("none", shape: checkpoint.model.shape),
                                          thresholds: ThresholdSet(values: [:], source: "none"))
        let summary = try Simulator(model: checkpoint.model, settings: settings).run(tokens: input.ids, bytesOfToken: input.bytesOfToken) { _, _ in }
        let nats = summary.fidelity.compactMap(\.denseNLL).reduce(0, +)
        // Every byte of the text is predicted once (the BOS token has no bytes and is never predicted).
        let bpb = try #require(summary.bitsPerByte(spiking: false))
        #expect(abs(bpb - nats / log(2.0) / Double(text.utf8.count)) < 1e-9)
    }

    @Test("multiple-choice items: BOS on the context only, choices continue after a space")
    func evalTokenized() throws {
        let (checkpoint, dir) = try Self.checkpoint(withTokenizer: true)
        defer { dir.remove() }
        let reference = try TokenizerLoader.load(tokenizerFile: Self.tokenizerFile)
        let item = MultipleChoiceItem(context: "The answer is", choices: ["yes", "no"], label: 0)
        let tokenized = try TextEncoding.tokenizeChoiceItem(item, checkpoint: checkpoint)
        #expect(tokenized.context == (try reference.encode("The answer is", addSpecialTokens: true)))
        #expect(tokenized.choices == [try reference.encode(" yes", addSpecialTokens: false), try reference.encode(" no", addSpecialTokens: false)])
        #expect(tokenized.choiceBytes == [3, 2])
        let result = try MultipleChoiceEvaluator(model: checkpoint.model).evaluate([tokenized], makeRunner: { DenseRunner() })
        #expect(result.items[0].loglik.allSatisfy { $0 < 0 && $0.isFinite })
    }

    @Test("without tokenizer.json, text is refused with a message naming the tokenizer; --tokenizer supplies one")
    func missingTokenizer() throws {
        let (checkpoint, dir) = try Self.checkpoint(withTokenizer: false)
        defer { dir.remove() }
        #expect {
            _ = try InputOptions.parse(["--text", "hi"]).tokens(for: checkpoint)
        } throws: { error in
            String(describing: error).contains("tokenizer")
        }
        #expect(try InputOptions.parse(["--input-ids", "1,2,3"]).tokens(for: checkpoint).ids == [1, 2, 3])
        try TextEncoding.use(tokenizerFile: Self.tokenizerFile.path, for: checkpoint)
        #expect(try InputOptions.parse(["--text", "hi"]).tokens(for: checkpoint).ids.count >= 2)
    }
}
