/// The `single` template of a `TemplateProcessing` post-processor: what wraps the ids of
/// one text when special tokens are added (for Llama-3: `<|begin_of_text|>` then the text).
struct TemplateProcessor: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        /// A special token's ids.
        case special([Int])
        /// The text's ids (`$A`).
        case text
    }

    var pieces: [Piece]

    /// `ids` wrapped in the template.
    func apply(to ids: [Int]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(ids.count + pieces.count)
        for piece in pieces {
            switch piece {
            case let .special(special): result += special
            case .text: result += ids
            }
        }
        return result
    }

    /// The single id the template puts before the text, if it starts with one.
    var leadingID: Int? {
        if case let .special(ids) = pieces.first, ids.count == 1 { return ids[0] }
        return nil
    }
}
