/// A token matched in the text before pre-tokenization (`added_tokens` in `tokenizer.json`):
/// special tokens such as `<|begin_of_text|>` and any tokens added after training.
struct AddedToken: Sendable, Equatable {
    var id: Int
    var content: String
    /// Match only when not inside a word (no letter, number or `_` on either side).
    var singleWord = false
    /// Also take the whitespace before the token.
    var lstrip = false
    /// Also take the whitespace after the token.
    var rstrip = false
    /// Match in the normalized text (after the non-normalized tokens were split off).
    var normalized = false
    /// A control token: ``BPETokenizer/decode(_:)`` leaves it out.
    var special = false
}

/// A piece of the input: either text still to pre-tokenize, or an added token's id.
struct TextSegment: Equatable {
    var range: Range<Int>
    var tokenID: Int?
}

/// Finds added tokens in text, leftmost first and longest at a position (as the
/// Aho-Corasick `LeftmostLongest` search of `tokenizers` does), then applies `single_word`,
/// `lstrip` and `rstrip`. Works on UTF-8 bytes: a UTF-8 needle can only match a UTF-8
/// haystack at character boundaries.
struct AddedTokenSplitter: Sendable {
    private let tokens: [AddedToken]
    private let needles: [[UInt8]]
    /// For each first byte, the indices of the tokens starting with it, longest first.
    private let candidates: [[Int]]

    init(_ tokens: [AddedToken]) {
        let tokens = tokens.filter { !$0.content.isEmpty }
        let needles = tokens.map { Array($0.content.utf8) }
        self.tokens = tokens
        self.needles = needles
        var candidates = [[Int]](repeating: [], count: 256)
        for (index, needle) in needles.enumerated() { candidates[Int(needle[0])].append(index) }
        for byte in 0..<256 {
            candidates[byte].sort { a, b in
                needles[a].count != needles[b].count ? needles[a].count > needles[b].count : a < b
            }
        }
        self.candidates = candidates
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Splits `range` of `bytes` into text and added-token segments, in order. Text segments
    /// may be empty only when `range` is.
    func split(_ range: Range<Int>, of bytes: [UInt8]) -> [TextSegment] {
        guard !tokens.isEmpty else { return [TextSegment(range: range)] }
        var segments: [TextSegment] = []
        var textStart = range.lowerBound
        for (matchRange, index) in matches(in: range, of: bytes) {
            let token = tokens[index]
            var start = matchRange.lowerBound
            var stop = matchRange.upperBound
            if token.singleWord {
                let wordBefore = start > range.lowerBound
                    && isWordCharacter(scalarEnding(at: start, in: bytes).scalar)
                let wordAfter = stop < range.upperBound
                    && isWordCharacter(scalarStarting(at: stop, in: bytes).scalar)
                if wordBefore || wordAfter { continue }
            }
            if token.lstrip {
                while start > textStart {
                    let (scalar, scalarStart) = scalarEnding(at: start, in: bytes)
                    guard scalar.properties.isWhitespace else { break }
                    start = scalarStart
                }
            }
            if token.rstrip {
                while stop < range.upperBound {
                    let (scalar, length) = scalarStarting(at: stop, in: bytes)
                    guard scalar.properties.isWhitespace else { break }
                    stop += length
                }
            }
            // A previous token's rstrip may have taken this match's start.
            guard start >= textStart else { continue }
            if textStart < start { segments.append(TextSegment(range: textStart..<start)) }
            segments.append(TextSegment(range: start..<stop, tokenID: token.id))
            textStart = stop
        }
        if textStart < range.upperBound || segments.isEmpty {
            segments.append(TextSegment(range: textStart..<range.upperBound))
        }
        return segments
    }

    /// Leftmost-longest, non-overlapping matches in `range`: (byte range, token index).
    private func matches(in range: Range<Int>, of bytes: [UInt8]) -> [(Range<Int>, Int)] {
        var found: [(Range<Int>, Int)] = []
        var i = range.lowerBound
        search: while i < range.upperBound {
            for index in candidates[Int(bytes[i])] {
                let needle = needles[index]
                guard range.upperBound - i >= needle.count else { continue }
                if bytes[i..<(i + needle.count)].elementsEqual(needle) {
                    found.append((i..<(i + needle.count), index))
                    i += needle.count
                    continue search
                }
            }
            i += 1
        }
        return found
    }

    /// `\w` as `single_word` uses it: letters, numbers, marks, connector punctuation (`_`).
    private func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic { return true }
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark,
             .connectorPunctuation:
            return true
        default:
            return false
        }
    }
}

/// The scalar that starts at byte `i` of valid UTF-8 `bytes`, and its length in bytes.
func scalarStarting(at i: Int, in bytes: [UInt8]) -> (scalar: Unicode.Scalar, length: Int) {
    let lead = UInt32(bytes[i])
    let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    var value = length == 1 ? lead : lead & (0xFF >> (length + 1))
    for k in 1..<length { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
    return (Unicode.Scalar(value)!, length)
}

/// The scalar that ends just before byte `i` of valid UTF-8 `bytes`, and its first byte.
func scalarEnding(at i: Int, in bytes: [UInt8]) -> (scalar: Unicode.Scalar, start: Int) {
    var start = i - 1
    while bytes[start] & 0xC0 == 0x80 { start -= 1 }
    return (scalarStarting(at: start, in: bytes).scalar, start)
}
