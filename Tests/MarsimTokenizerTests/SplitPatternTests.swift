import Testing
@testable import MarsimTokenizer

/// The pieces of a pre-tokenizer made of `steps` then ByteLevel without its own regex, as text.
private func pieces(_ text: String, _ steps: [SplitStep]) -> [String] {
    let preTokenizer = PreTokenizer(splits: steps, byteLevel: ByteLevelStep(addPrefixSpace: false, useRegex: false))
    var pieces: [String] = []
    preTokenizer.forEachPiece(of: Array(text.utf8)[...]) { pieces.append(String(decoding: $0, as: UTF8.self)) }
    return pieces
}

private func isolated(_ pattern: SplitPattern) -> [SplitStep] {
    [SplitStep(pattern: pattern, behavior: .isolated, invert: false)]
}

/// The hand-written split regexes against `tokenizers` 0.22 (Oniguruma): every expected list
/// below is what `pre_tokenize_str` gives for the same pattern. The strings probe the corners:
/// case-folded contractions (ſ folds to s), White_Space vs other separators (U+3000 and U+00A0
/// are spaces, U+001C and U+200B are not), `\s+(?!\S)` backing off one space, `\p{N}{1,3}`,
/// combining marks (not letters), and line breaks after symbols.
@Suite("Split regex matchers")
struct SplitPatternTests {
    static let llama3Cases: [(String, [String])] = [
        ("Hello, world!", ["Hello", ",", " world", "!"]),
        ("I'm sure they'LL do it", ["I", "'m", " sure", " they", "'LL", " do", " it"]),
        ("'ſa 'ſt", ["'ſ", "a", " '", "ſt"]),
        ("'S 'RE 'Re", ["'S", " '", "RE", " '", "Re"]),
        ("q\u{3000}\u{3000}x", ["q", "\u{3000}", "\u{3000}x"]),
        ("q\u{1c}\u{1c}x", ["q", "\u{1c}\u{1c}", "x"]),
        ("q\u{200b}\u{200b}x", ["q", "\u{200b}\u{200b}", "x"]),
        ("  \u{a0}x", ["  ", "\u{a0}x"]),
        ("'Ⅿ \u{b2}\u{bd}", ["'", "Ⅿ", " ", "\u{b2}\u{bd}"]),
        ("1234567 3.14159", ["123", "456", "7", " ", "3", ".", "141", "59"]),
        ("a\u{9}\u{a}  b\u{d}\u{a}\u{a}  \u{a}", ["a", "\u{9}\u{a}", " ", " b", "\u{d}\u{a}\u{a}  \u{a}"]),
        ("x  ", ["x", "  "]),
        ("  leading", [" ", " leading"]),
        ("(foo) ... !!!\u{a}\u{a}bar", ["(foo", ")", " ...", " !!!\u{a}\u{a}", "bar"]),
        ("\u{e9}migr\u{e9} cafe\u{301}", ["\u{e9}migr\u{e9}", " cafe", "\u{301}"]),
        ("日本語のテキスト 🙂🚀", ["日本語のテキスト", " 🙂🚀"]),
        ("x=1;y=22;z=x+y", ["x", "=", "1", ";y", "=", "22", ";z", "=x", "+y"]),
        ("\u{a}\u{a}\u{a}", ["\u{a}\u{a}\u{a}"]),
        (" \u{a} ", [" \u{a}", " "]),
        ("don't DON'T", ["don", "'t", " DON", "'T"]),
    ]

    static let qwen2Cases: [(String, [String])] = [
        ("Hello, world!", ["Hello", ",", " world", "!"]),
        ("I'm sure they'LL do it", ["I", "'m", " sure", " they", "'LL", " do", " it"]),
        ("'ſa 'ſt", ["'ſ", "a", " '", "ſt"]),
        ("'S 'RE 'Re", ["'S", " '", "RE", " '", "Re"]),
        ("q\u{3000}\u{3000}x", ["q", "\u{3000}", "\u{3000}x"]),
        ("q\u{1c}\u{1c}x", ["q", "\u{1c}\u{1c}", "x"]),
        ("q\u{200b}\u{200b}x", ["q", "\u{200b}\u{200b}", "x"]),
        ("  \u{a0}x", ["  ", "\u{a0}x"]),
        ("'Ⅿ \u{b2}\u{bd}", ["'", "Ⅿ", " ", "\u{b2}", "\u{bd}"]),
        ("1234567 3.14159", ["1", "2", "3", "4", "5", "6", "7", " ", "3", ".", "1", "4", "1", "5", "9"]),
        ("a\u{9}\u{a}  b\u{d}\u{a}\u{a}  \u{a}", ["a", "\u{9}\u{a}", " ", " b", "\u{d}\u{a}\u{a}  \u{a}"]),
        ("x  ", ["x", "  "]),
        ("  leading", [" ", " leading"]),
        ("(foo) ... !!!\u{a}\u{a}bar", ["(foo", ")", " ...", " !!!\u{a}\u{a}", "bar"]),
        ("\u{e9}migr\u{e9} cafe\u{301}", ["\u{e9}migr\u{e9}", " cafe", "\u{301}"]),
        ("日本語のテキスト 🙂🚀", ["日本語のテキスト", " 🙂🚀"]),
        ("x=1;y=22;z=x+y", ["x", "=", "1", ";y", "=", "2", "2", ";z", "=x", "+y"]),
        ("\u{a}\u{a}\u{a}", ["\u{a}\u{a}\u{a}"]),
        (" \u{a} ", [" \u{a}", " "]),
        ("don't DON'T", ["don", "'t", " DON", "'T"]),
    ]

    static let gpt2Cases: [(String, [String])] = [
        ("Hello, world!", ["Hello", ",", " world", "!"]),
        ("I'm sure they'LL do it", ["I", "'m", " sure", " they", "'", "LL", " do", " it"]),
        ("'ſa 'ſt", ["'", "ſa", " '", "ſt"]),
        ("'S 'RE 'Re", ["'", "S", " '", "RE", " '", "Re"]),
        ("q\u{3000}\u{3000}x", ["q", "\u{3000}", "\u{3000}", "x"]),
        ("q\u{1c}\u{1c}x", ["q", "\u{1c}\u{1c}", "x"]),
        ("q\u{200b}\u{200b}x", ["q", "\u{200b}\u{200b}", "x"]),
        ("  \u{a0}x", ["  ", "\u{a0}", "x"]),
        ("'Ⅿ \u{b2}\u{bd}", ["'", "Ⅿ", " \u{b2}\u{bd}"]),
        ("1234567 3.14159", ["1234567", " 3", ".", "14159"]),
        ("a\u{9}\u{a}  b\u{d}\u{a}\u{a}  \u{a}", ["a", "\u{9}\u{a} ", " b", "\u{d}\u{a}\u{a}  \u{a}"]),
        ("x  ", ["x", "  "]),
        ("  leading", [" ", " leading"]),
        ("(foo) ... !!!\u{a}\u{a}bar", ["(", "foo", ")", " ...", " !!!", "\u{a}", "\u{a}", "bar"]),
        ("\u{e9}migr\u{e9} cafe\u{301}", ["\u{e9}migr\u{e9}", " cafe", "\u{301}"]),
        ("日本語のテキスト 🙂🚀", ["日本語のテキスト", " 🙂🚀"]),
        ("x=1;y=22;z=x+y", ["x", "=", "1", ";", "y", "=", "22", ";", "z", "=", "x", "+", "y"]),
        ("\u{a}\u{a}\u{a}", ["\u{a}\u{a}\u{a}"]),
        (" \u{a} ", [" \u{a} "]),
        ("don't DON'T", ["don", "'t", " DON", "'", "T"]),
    ]

    @Test(arguments: llama3Cases)
    func llama3(text: String, expected: [String]) {
        #expect(pieces(text, isolated(.llama3(maxDigits: 3))) == expected)
    }

    @Test(arguments: qwen2Cases)
    func qwen2(text: String, expected: [String]) {
        #expect(pieces(text, isolated(.llama3(maxDigits: 1))) == expected)
    }

    @Test(arguments: gpt2Cases)
    func gpt2(text: String, expected: [String]) {
        #expect(pieces(text, isolated(.gpt2)) == expected)
    }

    @Test func knownPatternsAreRecognisedByTheirExactText() {
        #expect(SplitPattern(regex: SplitPattern.llama3Regex) == .llama3(maxDigits: 3))
        #expect(SplitPattern(regex: SplitPattern.qwen2Regex) == .llama3(maxDigits: 1))
        #expect(SplitPattern(regex: SplitPattern.gpt2Regex) == .gpt2)
        #expect(SplitPattern(regex: SplitPattern.gpt2Regex + "|x") == nil)
        #expect(SplitPattern(regex: #"\s+"#) == nil)
    }

    @Test(arguments: [
        (SplitBehavior.removed, false, ["the", "final", "countdown"]),
        (.isolated, false, ["the", "-", "final", "-", "-", "countdown"]),
        (.mergedWithPrevious, false, ["the-", "final-", "-", "countdown"]),
        (.mergedWithNext, false, ["the", "-final", "-", "-countdown"]),
        (.contiguous, false, ["the", "-", "final", "--", "countdown"]),
        (.removed, true, ["-", "-", "-"]),
        (.isolated, true, ["the", "-", "final", "-", "-", "countdown"]),
        (.mergedWithPrevious, true, ["the", "-final", "-", "-countdown"]),
        (.mergedWithNext, true, ["the-", "final-", "-", "countdown"]),
        (.contiguous, true, ["the", "-", "final", "--", "countdown"]),
    ])
    func literalSplitBehaviours(behavior: SplitBehavior, invert: Bool, expected: [String]) {
        let step = SplitStep(pattern: SplitPattern(literal: "-"), behavior: behavior, invert: invert)
        #expect(pieces("the-final--countdown", [step]) == expected)
    }

    @Test func byteLevelPrefixSpaceGoesOnEveryPiece() {
        // add_prefix_space applies to each piece the earlier steps left, not only the first.
        let preTokenizer = PreTokenizer(
            splits: isolated(SplitPattern(literal: "|")),
            byteLevel: ByteLevelStep(addPrefixSpace: true, useRegex: true))
        var pieces: [String] = []
        preTokenizer.forEachPiece(of: Array("hi|there| x".utf8)[...]) { pieces.append(String(decoding: $0, as: UTF8.self)) }
        #expect(pieces == [" hi", " |", " there", " |", " x"])
    }
}
