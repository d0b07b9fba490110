import Testing
@testable import MarsimTokenizer

/// Merges in both spellings, merge priority, and `ignore_merges`, on tiny inline tokenizers
/// whose byte tokens have the byte's value as id (`a` 97, `b` 98, `c` 99).
@Suite("BPE merges")
struct BPEMergeTests {
    /// `ab` 256, `bc` 257, `abc` 258.
    static let extra = ["ab", "bc", "abc"]

    @Test(arguments: [
        #"[["a", "b"], ["ab", "c"]]"#,
        #"["a b", "ab c"]"#,
    ])
    func bothMergeSpellingsMergeAlike(merges: String) throws {
        let tokenizer = try tinyTokenizer(tinyTokenizerJSON(extraTokens: Self.extra, merges: merges))
        #expect(try tokenizer.encode("abc", addSpecialTokens: false) == [258])
        #expect(try tokenizer.encode("cab", addSpecialTokens: false) == [99, 256])
        #expect(try tokenizer.encode("ab abc", addSpecialTokens: false) == [256, 32, 258])
    }

    @Test func lowerRankMergesFirst() throws {
        // (b, c) outranks (a, b), so "abc" becomes a + bc, and (a, bc) has no merge.
        let tokenizer = try tinyTokenizer(tinyTokenizerJSON(extraTokens: Self.extra, merges: #"["b c", "a b", "ab c"]"#))
        #expect(try tokenizer.encode("abc", addSpecialTokens: false) == [97, 257])
    }

    @Test func equalPairsMergeLeftmostFirst() throws {
        // aa 256, aaa 257: "aaa" → aa + a (the left pair merges first), then aa a → aaa.
        let json = tinyTokenizerJSON(extraTokens: ["aa", "aaa"], merges: #"["a a", "aa a"]"#)
        let tokenizer = try tinyTokenizer(json)
        #expect(try tokenizer.encode("aaa", addSpecialTokens: false) == [257])
        // Rank before position: all (a, a) merges happen (aa aa a) before (aa, a) (tokenizers agrees).
        #expect(try tokenizer.encode("aaaaa", addSpecialTokens: false) == [256, 257])
        // Without the second merge, "aaaaa" is aa aa a.
        let pairsOnly = try tinyTokenizer(tinyTokenizerJSON(extraTokens: ["aa", "aaa"], merges: #"["a a"]"#))
        #expect(try pairsOnly.encode("aaaaa", addSpecialTokens: false) == [256, 256, 97])
    }

    @Test func longWordMergesInOrder() throws {
        // A 20,000-letter word: the heap-based merge loop must not be quadratic, and every
        // pair of a's merges, left to right.
        let tokenizer = try tinyTokenizer(tinyTokenizerJSON(extraTokens: ["aa"], merges: #"["a a"]"#))
        let ids = try tokenizer.encode(String(repeating: "a", count: 20_001), addSpecialTokens: false)
        #expect(ids == [Int](repeating: 256, count: 10_000) + [97])
    }

    @Test(arguments: [true, false])
    func ignoreMergesEmitsWholeVocabularyWords(ignoreMerges: Bool) throws {
        // "abc" is in the vocabulary but no merge builds it from "ab" and "c".
        let json = tinyTokenizerJSON(extraTokens: Self.extra, merges: #"["a b"]"#, ignoreMerges: ignoreMerges)
        let tokenizer = try tinyTokenizer(json)
        let ids = try tokenizer.encode("abc", addSpecialTokens: false)
        #expect(ids == (ignoreMerges ? [258] : [256, 99]))
        // A word that is not in the vocabulary still merges.
        #expect(try tokenizer.encode("abcab", addSpecialTokens: false) == [256, 99, 256])
    }

    @Test func ignoreMergesMatchesTheByteLevelSpelling() throws {
        // " the" is one pre-token; its vocabulary entry is spelled "Ġthe".
        let json = tinyTokenizerJSON(extraTokens: ["Ġthe"], ignoreMerges: true)
        let tokenizer = try tinyTokenizer(json)
        #expect(try tokenizer.encode("in the", addSpecialTokens: false) == [105, 110, 256])
        #expect(tokenizer.tokenBytes(256) == Array(" the".utf8))
    }

    @Test func missingByteWithoutUnknownTokenThrows() throws {
        // A vocabulary whose merges are fine but that lacks byte 0x41 'A'.
        var json = tinyTokenizerJSON()
        json = json.replacingOccurrences(of: #""A": 65, "#, with: "")
        let tokenizer = try tinyTokenizer(json)
        #expect(try tokenizer.encode("a", addSpecialTokens: false) == [97])
        let message = errorMessage { try tokenizer.encode("bAd", addSpecialTokens: false) }
        #expect(message == "tiny/tokenizer.json: byte 0x41 of the text has no token and the model has no unk_token")
    }

    @Test(arguments: [(false, [98, 256, 256, 100]), (true, [98, 256, 100])])
    func missingBytesBecomeTheUnknownToken(fuse: Bool, expected: [Int]) throws {
        var json = tinyTokenizerJSON(extraTokens: ["<unk>"], extraModelFields: #""fuse_unk": \#(fuse),"#)
        json = json.replacingOccurrences(of: #""A": 65, "#, with: "")
            .replacingOccurrences(of: #""unk_token": null"#, with: #""unk_token": "<unk>""#)
        let tokenizer = try tinyTokenizer(json)
        #expect(try tokenizer.encode("bAAd", addSpecialTokens: false) == expected)
    }
}
