/// One `Split` pre-tokenizer: a pattern, what to do with its matches, and whether to
/// split on the text between matches instead (`invert`).
struct SplitStep: Sendable, Equatable {
    var pattern: SplitPattern
    var behavior: SplitBehavior
    var invert: Bool

    /// Splits scalars `range` of `text`, appending the non-empty pieces to `pieces`.
    func split(_ range: Range<Int>, of text: ScalarText, into pieces: inout [Range<Int>]) {
        if behavior == .isolated, !invert {
            // Every segment is a piece: no need to collect segments first.
            var gapStart = range.lowerBound
            var i = range.lowerBound
            while i < range.upperBound {
                if let matchEnd = pattern.matchEnd(in: text, at: i, end: range.upperBound) {
                    if gapStart < i { pieces.append(gapStart..<i) }
                    pieces.append(i..<matchEnd)
                    i = matchEnd
                    gapStart = i
                } else {
                    i += 1
                }
            }
            if gapStart < range.upperBound { pieces.append(gapStart..<range.upperBound) }
            return
        }
        var segments = pattern.segments(in: text, range: range)
        if invert {
            for k in segments.indices { segments[k].isMatch.toggle() }
        }
        pieces.append(contentsOf: behavior.pieces(segments))
    }
}

/// The ByteLevel pre-tokenizer: optionally a leading space, optionally GPT-2's split regex,
/// then every byte spelled as one character of ``ByteLevelAlphabet`` (the BPE model works on
/// bytes directly, so that last step is implicit).
struct ByteLevelStep: Sendable, Equatable {
    /// `add_prefix_space`: put a space in front of every piece that does not start with one.
    var addPrefixSpace: Bool
    /// `use_regex`: split each piece with GPT-2's pattern.
    var useRegex: Bool
}

/// The pre-tokenizer chain of a byte-level BPE tokenizer: zero or more `Split` steps, then
/// one `ByteLevel` step (a `Sequence` in `tokenizer.json`, or a lone `ByteLevel`).
///
/// Reproduces `tokenizers`' `PreTokenizedString` splitting: each step splits every piece
/// the previous step left, and empty pieces are dropped.
struct PreTokenizer: Sendable, Equatable {
    var splits: [SplitStep]
    var byteLevel: ByteLevelStep

    /// Calls `body` with the UTF-8 bytes of each pre-token of `utf8`, in order.
    func forEachPiece(of utf8: ArraySlice<UInt8>, _ body: (ArraySlice<UInt8>) throws -> Void) rethrows {
        guard !utf8.isEmpty else { return }
        let text = ScalarText(utf8: utf8)
        var pieces = [0..<text.count]
        for step in splits {
            var next: [Range<Int>] = []
            next.reserveCapacity(pieces.count)
            for piece in pieces { step.split(piece, of: text, into: &next) }
            pieces = next
        }
        for piece in pieces {
            if byteLevel.addPrefixSpace, text.scalars[piece.lowerBound] != 0x20 {
                let prefixed = ScalarText(utf8: ArraySlice([0x20] + text.bytes(piece)))
                try byteLevelPieces(0..<prefixed.count, of: prefixed, body)
            } else {
                try byteLevelPieces(piece, of: text, body)
            }
        }
    }

    /// The ByteLevel step's own split of one piece.
    private func byteLevelPieces(
        _ piece: Range<Int>, of text: ScalarText, _ body: (ArraySlice<UInt8>) throws -> Void
    ) rethrows {
        guard byteLevel.useRegex else { return try body(text.bytes(piece)) }
        var pieces: [Range<Int>] = []
        SplitStep(pattern: .gpt2, behavior: .isolated, invert: false).split(piece, of: text, into: &pieces)
        for piece in pieces { try body(text.bytes(piece)) }
    }
}
