/// What a `Split` pre-tokenizer (or ByteLevel's own regex) finds in the text.
///
/// `tokenizers` compiles `Split` regexes with Oniguruma. marsim does not embed a regex engine;
/// it recognises the few patterns byte-level BPE tokenizers use by their exact text and runs
/// a hand-written matcher for each (see `SplitRegexMatchers.swift`). Any other regex is
/// reported as unsupported when the tokenizer is loaded.
enum SplitPattern: Sendable, Equatable {
    /// Llama-3's pattern, or Qwen2's when `maxDigits` is 1 (they differ only in `\p{N}{1,3}`
    /// vs `\p{N}`).
    case llama3(maxDigits: Int)
    /// GPT-2's pattern, also the one the ByteLevel pre-tokenizer uses when `use_regex` is true.
    case gpt2
    /// A literal string (`"pattern": {"String": …}`), as scalar values.
    case literal([UInt32])

    /// Llama-3's split regex, as written in its `tokenizer.json`.
    static let llama3Regex =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Qwen2's split regex: Llama-3's with single-digit numbers.
    static let qwen2Regex =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// GPT-2's split regex.
    static let gpt2Regex =
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// The matcher for a known regex, or `nil` when `regex` is not one of them.
    init?(regex: String) {
        switch regex {
        case Self.llama3Regex: self = .llama3(maxDigits: 3)
        case Self.qwen2Regex: self = .llama3(maxDigits: 1)
        case Self.gpt2Regex: self = .gpt2
        default: return nil
        }
    }

    /// A pattern matching `string` literally.
    init(literal string: String) {
        self = .literal(string.unicodeScalars.map(\.value))
    }

    /// The end of the match that starts at scalar `start` of `text`, or `nil` when no match
    /// starts there. Scalar `end` is treated as the end of the text (lookaheads see nothing
    /// beyond it). Matches are never empty.
    @inline(__always)
    func matchEnd(in text: ScalarText, at start: Int, end: Int) -> Int? {
        switch self {
        case let .llama3(maxDigits):
            return text.llama3MatchEnd(at: start, end: end, maxDigits: maxDigits)
        case .gpt2:
            return text.gpt2MatchEnd(at: start, end: end)
        case let .literal(needle):
            guard !needle.isEmpty, end - start >= needle.count else { return nil }
            for k in 0..<needle.count where text.scalars[start + k] != needle[k] { return nil }
            return start + needle.count
        }
    }

    /// The leftmost-first, non-overlapping matches in scalars `range` of `text`, as
    /// `(range, isMatch)` segments covering `range` in order (what `find_iter` gives a
    /// `Split`). An empty `range` gives one empty unmatched segment.
    func segments(in text: ScalarText, range: Range<Int>) -> [(range: Range<Int>, isMatch: Bool)] {
        guard !range.isEmpty else { return [(range, false)] }
        var result: [(range: Range<Int>, isMatch: Bool)] = []
        var gapStart = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            if let matchEnd = matchEnd(in: text, at: i, end: range.upperBound) {
                if gapStart < i { result.append((gapStart..<i, false)) }
                result.append((i..<matchEnd, true))
                i = matchEnd
                gapStart = i
            } else {
                i += 1
            }
        }
        if gapStart < range.upperBound { result.append((gapStart..<range.upperBound, false)) }
        return result
    }
}
