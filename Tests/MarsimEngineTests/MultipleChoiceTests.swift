import Foundation
import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import Testing

/// Multiple-choice scoring against transformers' per-choice log-likelihoods (mc/pydoc-mc.golden.json).
@Suite("Multiple-choice evaluation")
struct MultipleChoiceTests {
    static let tasks = FixturePaths.repoRoot.appendingPathComponent("Tests/Fixtures/mc/pydoc-mc.jsonl")

    struct Golden: Decodable {
        struct Item: Decodable { var loglik: [Double]; var pred: Int; var pred_norm: Int }
        var acc: Double
        var acc_norm: Double
        var items: [Item]
    }

    static func byteItems(_ items: [MultipleChoiceItem]) -> [TokenizedChoiceItem] {
        items.map { item in
            TokenizedChoiceItem(context: item.context.utf8.map(Int.init), choices: item.choices.map { $0.utf8.map(Int.init) },
                                choiceBytes: item.choices.map { $0.utf8.count }, label: item.label)
        }
    }

    @Test("dense log-likelihoods match transformers to 1e-3; acc and acc_norm exactly")
    func denseMatchesGolden() throws {
        let model = try Checkpoint.load(FixturePaths.tinyLlambaBytes).model
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: FixturePaths.repoRoot.appendingPathComponent("Tests/Fixtures/mc/pydoc-mc.golden.json")))
        let items = try MultipleChoiceItem.load(jsonl: Self.tasks)
        #expect(items.count == 24)
        let result = try MultipleChoiceEvaluator(model: model).evaluate(Self.byteItems(items), makeRunner: { DenseRunner() })
        var worst = 0.0
        for (mine, theirs) in zip(result.items, golden.items) {
            for (a, b) in zip(mine.loglik, theirs.loglik) { worst = max(worst, abs(a - b)) }
            #expect(mine.pred == theirs.pred)
            #expect(mine.predNorm == theirs.pred_norm)
        }
        print("multiple-choice: max |Δ loglik| = \(worst), acc \(result.acc) (golden \(golden.acc)), acc_norm \(result.accNorm) (golden \(golden.acc_norm))")
        #expect(worst <= 1e-3)
        #expect(result.acc == golden.acc)
        #expect(result.accNorm == golden.acc_norm)
        // Context once per item, each choice's tokens after the first once: far fewer steps than 4 full passes.
        let contextTokens = items.reduce(0) { $0 + $1.context.utf8.count }
        let choiceSteps = items.reduce(0) { $0 + $1.choices.reduce(0) { $0 + $1.utf8.count - 1 } }
        #expect(result.tokens == contextTokens + choiceSteps)
    }

    @Test("a spiking run scores too, and counts its spikes")
    func spiking() throws {
        let model = try Checkpoint.load(FixturePaths.tinyLlambaBytes).model
        let items = Array(try MultipleChoiceItem.load(jsonl: Self.tasks).prefix(4))
        let placement = try Placement("all", shape: model.shape)
        let p = ATMNParameters(timesteps: 4, tau: 1)
        let thresholds = try ThresholdSet.calibrated(model: model, tokens: items[0].context.utf8.map(Int.init), sites: placement.sites,
                                                     parameters: p, rule: CalibrationRule(), sourceName: "context")
        let result = try MultipleChoiceEvaluator(model: model).evaluate(Self.byteItems(items), makeRunner: {
            try SpikingRunner(model: model, placement: placement, thresholds: thresholds, parameters: p, threads: 1)
        })
        #expect(result.items.count == 4)
        #expect(result.total.spikes > 0)
        #expect(result.total.synapticOps > 0)
    }

    @Test("bad task files name the line", arguments: [
        ("{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"label\": 2}", ":1: label 2 is out of range for 2 choices"),
        ("\n{\"context\": \"a\", \"label\": 0}", ":2: missing field 'choices'"),
        ("{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"label\": \"x\"}", ":1: field 'label' has the wrong type"),
        ("not json", ":1: not a JSON object"),
        ("{\"context\": \"a\", \"choices\": [\"b\"], \"label\": 0}", ":1: needs at least 2 choices"),
        ("", "no items"),
        ("{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"label\": 0, \"label\": 1}", ":1: field 'label' appears twice"),
    ])
    func badTasks(_ text: String, _ message: String) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-mc-\(UUID().uuidString).jsonl")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect {
            try MultipleChoiceItem.load(jsonl: url)
        } throws: { error in
            let d = String(describing: error)
            return d.contains(url.path) && d.contains(message)
        }
    }
}
