// Hand-written matchers for the known split regexes, with the semantics of a backtracking
// engine (Oniguruma, as `tokenizers` uses): alternatives are tried left to right and the first
// that matches wins; quantifiers are greedy and give back characters only when the rest of
// the alternative needs them.

extension ScalarText {
    /// Llama-3's (maxDigits 3) or Qwen2's (maxDigits 1) pattern at `i`:
    ///
    ///     (?i:'s|'t|'re|'ve|'m|'ll|'d)        1 contraction, case-insensitive
    ///     |[^\r\n\p{L}\p{N}]?\p{L}+           2 a word, maybe after one space or symbol
    ///     |\p{N}{1,3}                         3 up to three digits
    ///     | ?[^\s\p{L}\p{N}]+[\r\n]*          4 symbols, then any line breaks
    ///     |\s*[\r\n]+                         5 spaces up to the last line break
    ///     |\s+(?!\S)                          6 spaces, less the one before a non-space
    ///     |\s+                                7 spaces
    @inline(__always)
    func llama3MatchEnd(at i: Int, end: Int, maxDigits: Int) -> Int? {
        let first = classes[i]
        // 1: contractions; case-insensitive as Unicode simple case folding (ſ U+017F folds to s).
        if scalars[i] == 0x27, let length = contractionLength(after: i, end: end, ignoringCase: true) {
            return i + 1 + length
        }
        // 2: optional non-letter/number/line-break, then letters.
        if first.contains(.letter) {
            return run(of: .letter, from: i + 1, end: end)
        }
        if first.isDisjoint(with: [.letter, .number, .lineBreak]), i + 1 < end, classes[i + 1].contains(.letter) {
            return run(of: .letter, from: i + 2, end: end)
        }
        // 3: one to maxDigits numbers.
        if first.contains(.number) {
            var j = i + 1
            while j < end, j - i < maxDigits, classes[j].contains(.number) { j += 1 }
            return j
        }
        // 4: optional space, symbols (not whitespace, letter or number), then CR/LF.
        if let symbolsEnd = symbolsMatchEnd(at: i, end: end) {
            var j = symbolsEnd
            while j < end, classes[j].contains(.lineBreak) { j += 1 }
            return j
        }
        // Only whitespace is left: `first` is whitespace here.
        let spacesEnd = run(of: .whitespace, from: i + 1, end: end)
        // 5: \s* gives back down to the last line break of the run, which [\r\n]+ takes.
        var k = spacesEnd - 1
        while k >= i {
            if classes[k].contains(.lineBreak) { return k + 1 }
            k -= 1
        }
        // 6 and 7.
        return spacesMatchEnd(start: i, spacesEnd: spacesEnd, end: end)
    }

    /// GPT-2's pattern at `i`:
    ///
    ///     's|'t|'re|'ve|'m|'ll|'d             1 contraction, case-sensitive
    ///     | ?\p{L}+                           2 letters, maybe after a space
    ///     | ?\p{N}+                           3 numbers, maybe after a space
    ///     | ?[^\s\p{L}\p{N}]+                 4 symbols, maybe after a space
    ///     |\s+(?!\S)                          5 spaces, less the one before a non-space
    ///     |\s+                                6 spaces
    @inline(__always)
    func gpt2MatchEnd(at i: Int, end: Int) -> Int? {
        if scalars[i] == 0x27, let length = contractionLength(after: i, end: end, ignoringCase: false) {
            return i + 1 + length
        }
        // 2 and 3: the space is taken only if the run follows it (a space is neither a
        // letter nor a number, so without it there is no run either).
        let runStart = scalars[i] == 0x20 && i + 1 < end ? i + 1 : i
        if classes[runStart].contains(.letter) { return run(of: .letter, from: runStart + 1, end: end) }
        if classes[runStart].contains(.number) { return run(of: .number, from: runStart + 1, end: end) }
        if let symbolsEnd = symbolsMatchEnd(at: i, end: end) { return symbolsEnd }
        let spacesEnd = run(of: .whitespace, from: i + 1, end: end)
        return spacesMatchEnd(start: i, spacesEnd: spacesEnd, end: end)
    }

    // MARK: - Shared pieces

    /// The end of the run of scalars of class `kind` starting at `j`.
    @inline(__always)
    private func run(of kind: ScalarClass, from j: Int, end: Int) -> Int {
        var j = j
        while j < end, classes[j].contains(kind) { j += 1 }
        return j
    }

    /// ` ?[^\s\p{L}\p{N}]+` at `i`: the end of the symbol run, or `nil`.
    @inline(__always)
    private func symbolsMatchEnd(at i: Int, end: Int) -> Int? {
        let notSymbol: ScalarClass = [.whitespace, .letter, .number]
        var j = i
        if scalars[i] == 0x20, i + 1 < end, classes[i + 1].isDisjoint(with: notSymbol) { j = i + 1 }
        guard classes[j].isDisjoint(with: notSymbol) else { return nil }
        while j < end, classes[j].isDisjoint(with: notSymbol) { j += 1 }
        return j
    }

    /// `\s+(?!\S)|\s+` for the whitespace run `start..<spacesEnd`: all of it at the end of
    /// the text or before more whitespace (impossible: the run is maximal), otherwise all
    /// but the last space when that leaves at least one, otherwise the single space.
    @inline(__always)
    private func spacesMatchEnd(start: Int, spacesEnd: Int, end: Int) -> Int {
        if spacesEnd == end || spacesEnd - start < 2 { return spacesEnd }
        return spacesEnd - 1
    }

    /// The length of `s|t|re|ve|m|ll|d` right after the apostrophe at `i`, or `nil`.
    @inline(__always)
    private func contractionLength(after i: Int, end: Int, ignoringCase: Bool) -> Int? {
        guard i + 1 < end else { return nil }
        let a = letterKey(scalars[i + 1], ignoringCase: ignoringCase)
        switch a {
        case 0x73, 0x74, 0x6D, 0x64: return 1  // s t m d
        case 0x72, 0x76, 0x6C:  // r v l
            guard i + 2 < end else { return nil }
            let b = letterKey(scalars[i + 2], ignoringCase: ignoringCase)
            let expected: UInt32 = a == 0x6C ? 0x6C : 0x65  // ll, re/ve
            return b == expected ? 2 : nil
        default:
            return nil
        }
    }

    /// `value` case-folded when `ignoringCase` (ASCII letters and ſ, the only characters
    /// that fold onto the letters of the contractions), else `value` itself.
    @inline(__always)
    private func letterKey(_ value: UInt32, ignoringCase: Bool) -> UInt32 {
        guard ignoringCase else { return value }
        if value &- 0x41 < 26 { return value | 0x20 }
        if value == 0x17F { return 0x73 }
        return value
    }
}
