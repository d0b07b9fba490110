import Foundation
import MarsimCheckpoint
import MarsimCore

/// One lm-eval-style multiple-choice item as written in a JSONL task file.
///
/// `{"context": "...", "choices": ["...", ...], "label": 2, "target_delimiter": " "}` —
/// `target_delimiter` is optional: the text placed between the context and each choice
/// (default: none for byte-level models, " " for tokenized ones, as lm-eval does for most tasks).
public struct MultipleChoiceItem: Sendable, Equatable, Decodable {
    public var context: String
    public var choices: [String]
    public var label: Int
    public var targetDelimiter: String?

    enum CodingKeys: String, CodingKey {
        case context, choices, label, targetDelimiter = "target_delimiter"
    }

    public init(context: String, choices: [String], label: Int, targetDelimiter: String? = nil) {
        self.context = context
        self.choices = choices
        self.label = label
        self.targetDelimiter = targetDelimiter
    }

    /// Reads a JSONL file: one item a line (blank lines skipped). Errors name the file and line.
    public static func load(jsonl url: URL) throws -> [MultipleChoiceItem] {
        let data = try InputFile.read(url.path, label: "task file")
        var items: [MultipleChoiceItem] = []
        let decoder = JSONDecoder()
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            let where_ = "\(url.path):\(number + 1)"
            if let key = JSONDuplicateKeys.first(in: Array(text.utf8)) {
                throw EvaluationError("\(where_): field '\(key)' appears twice")
            }
            let item: MultipleChoiceItem
            do {
                item = try decoder.decode(MultipleChoiceItem.self, from: Data(text.utf8))
            } catch let DecodingError.keyNotFound(key, _) {
                throw EvaluationError("\(where_): missing field '\(key.stringValue)'")
            } catch let DecodingError.typeMismatch(_, context) {
                throw EvaluationError("\(where_): field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
            } catch {
                throw EvaluationError("\(where_): not a JSON object with context, choices and label")
            }
            guard item.choices.count >= 2 else { throw EvaluationError("\(where_): needs at least 2 choices, has \(item.choices.count)") }
            guard item.choices.indices.contains(item.label) else {
                throw EvaluationError("\(where_): label \(item.label) is out of range for \(item.choices.count) choices")
            }
            guard item.choices.allSatisfy({ !$0.isEmpty }) else { throw EvaluationError("\(where_): a choice is empty") }
            items.append(item)
        }
        guard !items.isEmpty else { throw EvaluationError("\(url.path): no items") }
        return items
    }
}

/// An item turned into token ids.
public struct TokenizedChoiceItem: Sendable {
    public var context: [Int]
    public var choices: [[Int]]
    /// Length of each choice in bytes (for acc_norm).
    public var choiceBytes: [Int]
    public var label: Int

    public init(context: [Int], choices: [[Int]], choiceBytes: [Int], label: Int) {
        self.context = context
        self.choices = choices
        self.choiceBytes = choiceBytes
        self.label = label
    }
}

/// How one model scored one item.
public struct ScoredItem: Sendable, Encodable {
    /// Per choice, Σ ln p(choice token | context + earlier choice tokens).
    public var loglik: [Double]
    /// argmax of loglik.
    public var pred: Int
    /// argmax of loglik ÷ choice bytes.
    public var predNorm: Int
    public var label: Int

    enum CodingKeys: String, CodingKey { case loglik, pred, predNorm = "pred_norm", label }
}

/// Accuracy of one model over a task, plus the work it took.
public struct EvaluationResult: Sendable {
    public var items: [ScoredItem]
    /// Tokens stepped (each context once, each choice's tokens once).
    public var tokens: Int
    /// Every unit summed over all tokens.
    public var total: ActivityCounts
    /// Per accounting unit (the pass's unit order), summed over all tokens: what an energy model
    /// needs to cost the whole evaluation, and what shards of it add up exactly.
    public var unitTotals: [ActivityCounts] = []

    public var acc: Double { Double(items.filter { $0.pred == $0.label }.count) / Double(max(items.count, 1)) }
    public var accNorm: Double { Double(items.filter { $0.predNorm == $0.label }.count) / Double(max(items.count, 1)) }
}

/// Scores multiple-choice items with a model, dense or spiking.
///
/// The context runs once per item; each choice then continues from a copy of the context's
/// recurrent state, so the shared prefix is never recomputed. (A spiking run's neurons start every
/// token at u = 0, so the copy holds everything the next token depends on.) Contexts and choices are
/// known text, so they run in chunks of `chunk` tokens, layer by layer.
public struct MultipleChoiceEvaluator {
    public let model: LanguageModel
    public let pass: ForwardPass
    /// Tokens per chunk (1: token by token).
    public var chunk: Int

    public init(model: LanguageModel, chunk: Int = ChunkPlan.defaultChunk) {
        self.model = model
        self.chunk = chunk
        pass = ForwardPass(model: model)
    }

    /// Scores `items` with `makeRunner()`'s projections; `progress` is called after each item.
    public func evaluate<R: ProjectionRunner>(_ items: [TokenizedChoiceItem], makeRunner: () throws -> R,
                                              progress: (Int) -> Void = { _ in }) throws -> EvaluationResult {
        var runner = try makeRunner()
        var result = EvaluationResult(items: [], tokens: 0, total: ActivityCounts(),
                                      unitTotals: Array(repeating: ActivityCounts(), count: pass.index.units.count))
        /// Runs `tokens` from `state`; returns each token's logits.
        func run(_ tokens: ArraySlice<Int>, _ state: inout RecurrentState) -> [[Float]] {
            var logits: [[Float]] = []
            for range in ChunkPlan(count: tokens.count, chunk: chunk).ranges {
                let out = pass.run(Array(tokens[(tokens.startIndex + range.lowerBound)..<(tokens.startIndex + range.upperBound)]),
                                   state: &state, runner: &runner)
                for t in 0..<range.count {
                    logits.append(Array(out.logits(t)))
                    result.total += out.counts[t].counts.reduce(ActivityCounts(), +)
                    for (u, counts) in out.counts[t].counts.enumerated() { result.unitTotals[u] += counts }
                }
                result.tokens += range.count
            }
            return logits
        }
        for (n, item) in items.enumerated() {
            guard !item.context.isEmpty else { throw EvaluationError("item \(n + 1): the context has no tokens") }
            var contextState = RecurrentState(shape: model.shape)
            let contextLogits = run(item.context[...], &contextState).last!
            var loglik: [Double] = []
            for choice in item.choices {
                var state = contextState
                let following = run(choice.dropLast(), &state)
                var sum = 0.0
                for (j, token) in choice.enumerated() {
                    sum += Fidelity.logProbabilities(j == 0 ? contextLogits : following[j - 1])[token]
                }
                loglik.append(sum)
            }
            let normalized = zip(loglik, item.choiceBytes).map { $0 / Double(max($1, 1)) }
            result.items.append(ScoredItem(loglik: loglik, pred: Self.argmax(loglik), predNorm: Self.argmax(normalized), label: item.label))
            progress(n + 1)
        }
        return result
    }

    /// Index of the largest value (lowest index on ties, as numpy).
    public static func argmax(_ values: [Double]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}

/// A task file or item that cannot be evaluated.
public struct EvaluationError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
