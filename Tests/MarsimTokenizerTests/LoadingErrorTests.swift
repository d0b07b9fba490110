import Foundation
import Testing
@testable import MarsimTokenizer

/// A `tokenizer.json` that must not load, and the message it must give.
struct BadTokenizerCase: Sendable, CustomTestStringConvertible {
    var name: String
    var json: String
    /// The whole message after `tiny/tokenizer.json: `.
    var message: String

    var testDescription: String { name }
}

/// Malformed files and unsupported features fail with one line naming the file and the problem.
@Suite("Loading errors")
struct LoadingErrorTests {
    static let split = #"{"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Isolated", "invert": false}"#
    static let byteLevel = #"{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}"#
    static let unsupported = "unsupported tokenizer feature: "
    static let supportNote = " (marsim supports byte-level BPE tokenizers only)"

    static let cases: [BadTokenizerCase] = [
        BadTokenizerCase(
            name: "truncated JSON", json: #"{"model": {"#,
            message: "malformed tokenizer.json: invalid JSON: Unexpected end of file during JSON parse."),
        BadTokenizerCase(
            name: "bad JSON value", json: #"{"a": 1,, }"#,
            message: "malformed tokenizer.json: invalid JSON: Invalid value around character 8."),
        BadTokenizerCase(
            name: "no model", json: #"{"added_tokens": []}"#,
            message: "malformed tokenizer.json: missing field 'model'"),
        BadTokenizerCase(
            name: "vocab is a list",
            json: tinyTokenizerJSON().replacingOccurrences(of: #""vocab": {"#, with: #""vocab": [{"#)
                .replacingOccurrences(of: #"}, "merges""#, with: #"}], "merges""#),
            message: "malformed tokenizer.json: 'model.vocab' is not an object"),
        BadTokenizerCase(
            name: "WordPiece model", json: tinyTokenizerJSON(modelType: "WordPiece"),
            message: unsupported + "model type 'WordPiece' at model.type" + supportNote),
        BadTokenizerCase(
            name: "Unigram model", json: #"{"model": {"type": "Unigram", "vocab": [["a", -1.0]]}}"#,
            message: unsupported + "model type 'Unigram' at model.type" + supportNote),
        BadTokenizerCase(
            name: "unknown pre-tokenizer",
            json: tinyTokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "Whitespace"}, \#(byteLevel)]}"#),
            message: unsupported + "pre_tokenizer type 'Whitespace' at pre_tokenizer.pretokenizers[0]" + supportNote),
        BadTokenizerCase(
            name: "unknown normalizer", json: tinyTokenizerJSON(normalizer: #"{"type": "NFC"}"#),
            message: unsupported + "normalizer type 'NFC' at normalizer" + supportNote),
        BadTokenizerCase(
            name: "unknown Split regex",
            json: tinyTokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [\#(split), \#(byteLevel)]}"#),
            message: unsupported + #"Split regex pattern at pre_tokenizer.pretokenizers[0] (only the GPT-2, Llama-3 and "#
                + #"Qwen2 patterns are implemented): \s+"# + supportNote),
        BadTokenizerCase(
            name: "no ByteLevel",
            json: tinyTokenizerJSON(preTokenizer: #"{"type": "Split", "pattern": {"String": " "}, "behavior": "Removed"}"#),
            message: unsupported + "pre_tokenizer without ByteLevel (not a byte-level BPE tokenizer)" + supportNote),
        BadTokenizerCase(
            name: "ByteLevel before Split",
            json: tinyTokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [\#(byteLevel), \#(split)]}"#),
            message: unsupported + "a pre-tokenizer after ByteLevel (ByteLevel must come last in the Sequence)" + supportNote),
        BadTokenizerCase(
            name: "unknown post-processor", json: tinyTokenizerJSON(postProcessor: #"{"type": "BertProcessing"}"#),
            message: unsupported + "post_processor type 'BertProcessing' at post_processor" + supportNote),
        BadTokenizerCase(
            name: "BPE dropout", json: tinyTokenizerJSON().replacingOccurrences(of: #""dropout": null"#, with: #""dropout": 0.1"#),
            message: unsupported + "BPE dropout 0.1 at model.dropout" + supportNote),
        BadTokenizerCase(
            name: "negative vocabulary id", json: tinyTokenizerJSON().replacingOccurrences(of: #""a": 97"#, with: #""a": -97"#),
            message: "malformed tokenizer.json: model.vocab entry 'a' has id -97, outside 0..<16777216"),
        BadTokenizerCase(
            name: "merge of an unknown token", json: tinyTokenizerJSON(merges: #"[["a", "zz"]]"#),
            message: "malformed tokenizer.json: model.merges[0] 'a zz': 'zz' is not in model.vocab"),
        BadTokenizerCase(
            name: "merge whose result is unknown", json: tinyTokenizerJSON(merges: #"["a b"]"#),
            message: "malformed tokenizer.json: model.merges[0] 'a b': 'ab' is not in model.vocab"),
        BadTokenizerCase(
            name: "merge of three tokens", json: tinyTokenizerJSON(merges: #"["a b c"]"#),
            message: "malformed tokenizer.json: model.merges[0] 'a b c' is not two tokens"),
        BadTokenizerCase(
            name: "template naming an undefined token",
            json: tinyTokenizerJSON(postProcessor: """
                {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                 {"Sequence": {"id": "A", "type_id": 0}}], "pair": [], "special_tokens": {}}
                """),
            message: "malformed tokenizer.json: post_processor.single[0] names '<s>', which is not in "
                + "post_processor.special_tokens"),
    ]

    @Test(arguments: cases)
    func failsWithOneLineNamingFileAndProblem(_ bad: BadTokenizerCase) {
        let message = errorMessage { try tinyTokenizer(bad.json) }
        #expect(message == "tiny/tokenizer.json: " + bad.message)
        #expect(message?.contains("\n") == false)
    }

    @Test func missingFileIsNamed() {
        let file = URL(fileURLWithPath: "/nonexistent/tokenizer.json")
        let message = errorMessage { try TokenizerLoader.load(tokenizerFile: file) }
        #expect(message == "/nonexistent/tokenizer.json: cannot read tokenizer file: no such file")
    }

    @Test func errorDescriptionIsTheMessage() {
        let error = TokenizerError.unsupported(file: "f.json", feature: "x")
        #expect(error.localizedDescription == error.description)
    }
}

/// Issue 11: a tokenizer.json that JSON readers disagree on, or whose added-token ids cannot
/// index a table, is refused instead of being read one way silently.
@Suite("tokenizer.json reliability")
struct TokenizerReliabilityTests {
    @Test func duplicateKeysAreRefused() {
        let json = tinyTokenizerJSON().replacingOccurrences(of: "\"model\": {", with: "\"decoder\": null, \"model\": {")
        let message = errorMessage { try tinyTokenizer(json) }
        #expect(message?.contains("tiny/tokenizer.json") == true && message?.contains("the key 'decoder' appears twice") == true,
                "\(message ?? "no error")")
    }

    @Test(arguments: [1 << 62, -1, 1 << 24])
    func addedTokenIdsOutsideATableAreRefused(id: Int) {
        let flags = #""single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true"#
        let json = tinyTokenizerJSON(addedTokens: "[{\"id\": \(id), \"content\": \"<big>\", \(flags)}]")
        let message = errorMessage { try tinyTokenizer(json) }
        #expect(message == "tiny/tokenizer.json: malformed tokenizer.json: added_tokens entry '<big>' has id \(id), outside 0..<16777216",
                "\(message ?? "no error")")
    }
}
