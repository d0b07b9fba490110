/// What a `Split` pre-tokenizer does with the matches of its pattern (`"behavior"` in
/// `tokenizer.json`). Reproduces `SplitDelimiterBehavior` of `tokenizers`.
enum SplitBehavior: String, Sendable, CaseIterable {
    /// Matches are dropped; the text between them is kept.
    case removed = "Removed"
    /// Matches and the text between them are separate pieces.
    case isolated = "Isolated"
    /// Each match joins the piece before it.
    case mergedWithPrevious = "MergedWithPrevious"
    /// Each match joins the piece after it.
    case mergedWithNext = "MergedWithNext"
    /// Consecutive matches form one piece, and so do consecutive non-matches.
    case contiguous = "Contiguous"

    /// The pieces made from `segments` (in order, covering the text, as
    /// ``SplitPattern/segments(in:range:)`` gives them); empty pieces are dropped.
    func pieces(_ segments: [(range: Range<Int>, isMatch: Bool)]) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        pieces.reserveCapacity(segments.count)
        switch self {
        case .removed:
            pieces = segments.filter { !$0.isMatch }.map(\.range)
        case .isolated:
            pieces = segments.map(\.range)
        case .mergedWithPrevious:
            var previousWasMatch = false
            for segment in segments {
                if segment.isMatch, !previousWasMatch, let last = pieces.last {
                    pieces[pieces.count - 1] = last.lowerBound..<segment.range.upperBound
                } else {
                    pieces.append(segment.range)
                }
                previousWasMatch = segment.isMatch
            }
        case .mergedWithNext:
            var nextWasMatch = false
            for segment in segments.reversed() {
                if segment.isMatch, !nextWasMatch, let last = pieces.last {
                    pieces[pieces.count - 1] = segment.range.lowerBound..<last.upperBound
                } else {
                    pieces.append(segment.range)
                }
                nextWasMatch = segment.isMatch
            }
            pieces.reverse()
        case .contiguous:
            var previousWasMatch: Bool?
            for segment in segments {
                if segment.isMatch == previousWasMatch, let last = pieces.last {
                    pieces[pieces.count - 1] = last.lowerBound..<segment.range.upperBound
                } else {
                    pieces.append(segment.range)
                }
                previousWasMatch = segment.isMatch
            }
        }
        return pieces.filter { !$0.isEmpty }
    }
}
