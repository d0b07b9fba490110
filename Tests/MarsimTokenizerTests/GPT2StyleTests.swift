import Foundation
import Testing
@testable import MarsimTokenizer

/// The fixture's vocabulary behind a GPT-2 style pre-tokenizer: a lone ByteLevel with its own
/// regex, and merges written as `"a b"` strings. Expected ids are from `tokenizers` 0.22 on
/// the same file.
@Suite("GPT-2 style tokenizer.json")
struct GPT2StyleTests {
    /// The fixture with `pre_tokenizer` replaced and merges rewritten as strings.
    static func tokenizer(addPrefixSpace: Bool) throws -> BPETokenizer {
        let data = try Data(contentsOf: llama3StyleDirectory.appendingPathComponent("tokenizer.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        json["pre_tokenizer"] = ["type": "ByteLevel", "add_prefix_space": addPrefixSpace, "trim_offsets": true, "use_regex": true]
        var model = try #require(json["model"] as? [String: Any])
        let merges = try #require(model["merges"] as? [[String]])
        model["merges"] = merges.map { $0.joined(separator: " ") }
        json["model"] = model
        return try TokenizerLoader.load(tokenizerJSON: try JSONSerialization.data(withJSONObject: json), file: "gpt2-style.json")
    }

    @Test(arguments: [
        (false, "Hello, world!", [41, 70, 77, 324, 13, 308, 279, 77, 69, 2]),
        (false, "I'm sure they'LL do it", [42, 8, 78, 382, 268, 831, 8, 45, 45, 600, 384]),
        (false, "numbers 1234567", [79, 86, 490, 431, 222, 18, 19, 20, 21, 22, 23, 24]),
        (false, "<|begin_of_text|>hi there", [0, 468, 887]),
        (true, "Hello, world!", [222, 41, 70, 77, 324, 13, 308, 279, 77, 69, 2]),
        (true, "I'm sure they'LL do it", [399, 8, 78, 382, 268, 831, 8, 45, 45, 600, 384]),
        (true, "numbers 1234567", [655, 431, 222, 18, 19, 20, 21, 22, 23, 24]),
        (true, "<|begin_of_text|>hi there", [0, 406, 74, 887]),
    ])
    func idsMatchTokenizers(addPrefixSpace: Bool, text: String, expected: [Int]) throws {
        let tokenizer = try Self.tokenizer(addPrefixSpace: addPrefixSpace)
        #expect(try tokenizer.encode(text, addSpecialTokens: false) == expected)
    }
}
