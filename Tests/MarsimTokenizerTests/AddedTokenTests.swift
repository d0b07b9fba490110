import Testing
@testable import MarsimTokenizer

/// Added tokens found inside text, with their flags. Expected ids are what `tokenizers` 0.22
/// gives for the same tiny tokenizers (byte tokens have the byte's value as id; added tokens
/// not in the vocabulary take ids from 256 on).
@Suite("Added tokens in text")
struct AddedTokenTests {
    /// The JSON of one `added_tokens` entry.
    static func added(_ content: String, special: Bool = true, singleWord: Bool = false,
                      lstrip: Bool = false, rstrip: Bool = false) -> String {
        """
        {"id": 0, "content": \(jsonString(content)), "single_word": \(singleWord), "lstrip": \(lstrip),
         "rstrip": \(rstrip), "normalized": false, "special": \(special)}
        """
    }

    static func tokenizer(_ entries: String...) throws -> BPETokenizer {
        try tinyTokenizer(tinyTokenizerJSON(addedTokens: "[\(entries.joined(separator: ", "))]"))
    }

    @Test(arguments: [
        ("a<x>b", [97, 256, 98]),
        ("<x><x>", [256, 256]),
        ("<<x>>", [60, 256, 62]),
        ("<x>yz", [257, 122]),  // the longest added token at a position wins
        ("<x", [60, 120]),
    ])
    func splitsTextOnAddedTokens(text: String, expected: [Int]) throws {
        let tokenizer = try Self.tokenizer(Self.added("<x>"), Self.added("<x>y"))
        #expect(try tokenizer.encode(text, addSpecialTokens: false) == expected)
    }

    @Test func specialTokensAreLeftOutOfDecodedText() throws {
        let tokenizer = try Self.tokenizer(Self.added("<x>"))
        let ids = try tokenizer.encode("a<x>b", addSpecialTokens: false)
        #expect(tokenizer.decode(ids) == "ab")
        #expect(tokenizer.decode(ids, skipSpecialTokens: false) == "a<x>b")
        #expect(tokenizer.tokenBytes(256) == [])
    }

    @Test func nonSpecialAddedTokensDecodeAsTheirText() throws {
        let tokenizer = try Self.tokenizer(Self.added(" hi", special: false))
        let ids = try tokenizer.encode("say hi", addSpecialTokens: false)
        #expect(ids == [115, 97, 121, 256])
        #expect(tokenizer.decode(ids) == "say hi")
        #expect(tokenizer.tokenBytes(256) == Array(" hi".utf8))
    }

    @Test(arguments: [
        ("a  <m> b", [97, 256, 32, 98]),
        ("  <m>", [256]),
        ("a\u{3000}<m>", [97, 256]),  // any White_Space, not only ASCII
    ])
    func lstripTakesTheWhitespaceBefore(text: String, expected: [Int]) throws {
        let tokenizer = try Self.tokenizer(Self.added("<m>", lstrip: true))
        #expect(try tokenizer.encode(text, addSpecialTokens: false) == expected)
    }

    @Test(arguments: [
        ("a  <m>  b", [97, 32, 32, 256, 98]),
        ("<m>\n\nx", [256, 120]),
        ("<m> <m> b", [256, 256, 98]),
    ])
    func rstripTakesTheWhitespaceAfter(text: String, expected: [Int]) throws {
        let tokenizer = try Self.tokenizer(Self.added("<m>", rstrip: true))
        #expect(try tokenizer.encode(text, addSpecialTokens: false) == expected)
    }

    @Test(arguments: [
        ("ab", [256]),
        ("x ab y", [120, 32, 256, 32, 121]),
        ("xab", [120, 97, 98]),
        ("abx", [97, 98, 120]),
        ("ab_", [97, 98, 95]),
        ("ab-", [256, 45]),
        ("(ab)", [40, 256, 41]),
        ("ab1", [97, 98, 49]),
        ("éab", [195, 169, 97, 98]),
        ("ab\u{301}", [97, 98, 204, 129]),  // a combining mark continues the word
    ])
    func singleWordTokensMatchOnlyWholeWords(text: String, expected: [Int]) throws {
        let tokenizer = try Self.tokenizer(Self.added("ab", special: false, singleWord: true))
        #expect(try tokenizer.encode(text, addSpecialTokens: false) == expected)
    }

    @Test func addedTokenIdsFollowTokenizersNotTheFile() throws {
        // tokenizers ignores the written ids: a token in the vocabulary takes its id there,
        // others the next id after the vocabulary. "a" is byte token 97.
        let flags = #""single_word": false, "lstrip": false, "rstrip": false"#
        let json = tinyTokenizerJSON(addedTokens: """
            [{"id": 5000, "content": "<X>", \(flags), "normalized": false, "special": true},
             {"id": 7, "content": "a", \(flags), "normalized": true, "special": false},
             {"id": 3, "content": "<Y>", \(flags), "normalized": false, "special": true}]
            """)
        let tokenizer = try tinyTokenizer(json)
        #expect(try tokenizer.encode("<X>a<Y>", addSpecialTokens: false) == [256, 97, 257])
        #expect(tokenizer.vocabularySize == 258)
    }
}
