import Foundation
@testable import MarsimTokenizer

/// The repository's `Tests/Fixtures` folder, found from this file's path.
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The Llama-3-style fixture tokenizer (`Tests/Fixtures/tokenizer-llama3-style`).
let llama3StyleDirectory = fixturesDirectory.appendingPathComponent("tokenizer-llama3-style")

/// The fixture tokenizer, loaded once.
let llama3Style: Result<BPETokenizer, any Error> = Result {
    try TokenizerLoader.load(tokenizerFile: llama3StyleDirectory.appendingPathComponent("tokenizer.json"))
}

/// A small `tokenizer.json` for tests: every byte is a token whose id is the byte value
/// (`a` is 97, a space `Ġ` is 32), then `extraTokens` from id 256 on.
///
/// - Parameters:
///   - extraTokens: Byte-level spellings of further vocabulary entries (`"ab"`, `"Ġthe"`).
///   - merges: The JSON of `model.merges`, in either spelling.
///   - preTokenizer: The JSON of `pre_tokenizer`; the default is Llama-3's.
///   - addedTokens: The JSON of `added_tokens`.
///   - extraModelFields: More JSON fields of `model`, each followed by a comma.
func tinyTokenizerJSON(
    extraTokens: [String] = [],
    merges: String = "[]",
    ignoreMerges: Bool = false,
    preTokenizer: String? = nil,
    addedTokens: String = "[]",
    postProcessor: String = "null",
    normalizer: String = "null",
    modelType: String = "BPE",
    extraModelFields: String = ""
) -> String {
    let vocab = (0..<256).map { ByteLevelAlphabet.spelling(of: [UInt8($0)]) } + extraTokens
    let vocabJSON = vocab.enumerated().map { "\(jsonString($1)): \($0)" }.joined(separator: ", ")
    let llama3 = """
        {"type": "Sequence", "pretokenizers": [
          {"type": "Split", "pattern": {"Regex": \(jsonString(SplitPattern.llama3Regex))}, "behavior": "Isolated", "invert": false},
          {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}
        """
    return """
        {
          "version": "1.0", "truncation": null, "padding": null,
          "added_tokens": \(addedTokens),
          "normalizer": \(normalizer),
          "pre_tokenizer": \(preTokenizer ?? llama3),
          "post_processor": \(postProcessor),
          "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
          "model": {
            "type": \(jsonString(modelType)), "dropout": null, "unk_token": null, \(extraModelFields)
            "ignore_merges": \(ignoreMerges), "vocab": {\(vocabJSON)}, "merges": \(merges)
          }
        }
        """
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
    String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
}

/// The tokenizer of a ``tinyTokenizerJSON(extraTokens:merges:ignoreMerges:preTokenizer:addedTokens:postProcessor:normalizer:modelType:extraModelFields:)`` text.
func tinyTokenizer(_ json: String) throws -> BPETokenizer {
    try TokenizerLoader.load(tokenizerJSON: Data(json.utf8), file: "tiny/tokenizer.json")
}

/// The message of the error `body` throws, or `nil` when it throws none.
func errorMessage(_ body: () throws -> Any) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}
