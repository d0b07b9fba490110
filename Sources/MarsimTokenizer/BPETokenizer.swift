/// A Hugging Face `tokenizer.json` tokenizer with a byte-level BPE model (GPT-2, Llama-3,
/// Qwen2 and their relatives). Load one with ``TokenizerLoader/load(tokenizerFile:)``.
///
/// Encoding reproduces `tokenizers` (0.22): added tokens are split off first; each text piece
/// goes through the pre-tokenizer (`Split` regexes, then `ByteLevel`); each pre-token is
/// tokenized by the BPE model; the `TemplateProcessing` post-processor adds special tokens.
/// Decoding joins the tokens' bytes (the `ByteLevel` decoder) and reads them as UTF-8.
///
/// One deliberate difference: where `tokenizers` silently drops a byte that has no token
/// (and no `unk_token` stands in), ``encode(_:addSpecialTokens:)`` throws.
///
/// Encoding keeps a cache of the words of one call, so long texts cost little more per byte
/// than short ones; nothing is shared between calls, so the value is freely `Sendable`.
public struct BPETokenizer: TextTokenizer {
    /// The `tokenizer.json` this tokenizer came from, as errors name it.
    public let file: String
    /// Added tokens matched before normalization (`normalized: false`, the usual case).
    let rawAddedTokens: AddedTokenSplitter
    /// Added tokens matched after normalization (`normalized: true`).
    let normalizedAddedTokens: AddedTokenSplitter
    let preTokenizer: PreTokenizer
    let model: BPEModel
    /// Applied in order when special tokens are added.
    let templates: [TemplateProcessor]
    /// With no decoder, `tokenizers` joins token strings with spaces; marsim does the same.
    let decodesBytes: Bool
    /// Token strings by id, added tokens included; `nil` for unused ids.
    let tokensByID: [String?]
    /// Ids of added tokens marked `special`.
    let specialIDs: Set<Int>
    /// Ids by token string, added tokens included.
    let idsByToken: [String: Int]

    /// One more than the largest id of the vocabulary and the added tokens (Llama-3: 128,256).
    public var vocabularySize: Int { tokensByID.count }

    /// The id the post-processor's template puts before the text (Llama-3: 128,000,
    /// `<|begin_of_text|>`), or `nil` when the template does not start with one special token.
    public var bosTokenID: Int? { templates.first?.leadingID }

    /// The token ids of `text`, as `tokenizers`' `encode(text, add_special_tokens:)` gives them.
    ///
    /// - Throws: ``TokenizerError/unencodableByte(file:byte:)`` for a byte that has no token
    ///   when the model has no `unk_token` (never for a complete byte-level vocabulary).
    public func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        let bytes = Array(text.utf8)
        var ids: [Int] = []
        ids.reserveCapacity(bytes.count / 3)
        var cache: [ByteKey: [Int32]] = [:]
        do {
            for segment in rawAddedTokens.split(bytes.indices, of: bytes) {
                if let id = segment.tokenID { ids.append(id); continue }
                for inner in normalizedAddedTokens.split(segment.range, of: bytes) {
                    if let id = inner.tokenID { ids.append(id); continue }
                    try preTokenizer.forEachPiece(of: bytes[inner.range]) { piece in
                        try model.tokenize(piece, into: &ids, cache: &cache)
                    }
                }
            }
        } catch let error as BPEModel.MissingByte {
            throw TokenizerError.unencodableByte(file: file, byte: error.byte)
        }
        guard addSpecialTokens else { return ids }
        return templates.reduce(ids) { $1.apply(to: $0) }
    }

    /// The text of `ids` without special tokens; see ``decode(_:skipSpecialTokens:)``.
    public func decode(_ ids: [Int]) -> String {
        decode(ids, skipSpecialTokens: true)
    }

    /// The text of `ids`, as `tokenizers`' `decode`: ids it does not know are dropped;
    /// with `skipSpecialTokens`, so are special tokens. Byte sequences that are not valid
    /// UTF-8 (a token boundary inside a character) become U+FFFD.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        let kept = ids.filter { !(skipSpecialTokens && specialIDs.contains($0)) }
        guard decodesBytes else { return kept.compactMap(token(forID:)).joined(separator: " ") }
        var bytes: [UInt8] = []
        for id in kept { bytes += spelledBytes(id) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes token `id` stands for; `[]` for special tokens and unknown ids.
    ///
    /// Byte-level tokens stand for the bytes their characters spell (`Ġthe` is ` the`);
    /// other added tokens for their UTF-8 text.
    public func tokenBytes(_ id: Int) -> [UInt8] {
        specialIDs.contains(id) ? [] : spelledBytes(id)
    }

    /// The vocabulary string of `id` (e.g. `Ġthe`), or `nil` for an unknown id.
    public func token(forID id: Int) -> String? {
        tokensByID.indices.contains(id) ? tokensByID[id] : nil
    }

    /// The id of vocabulary string `token` (e.g. `<|begin_of_text|>`), or `nil`.
    public func id(forToken token: String) -> Int? {
        idsByToken[token]
    }

    /// What the ByteLevel decoder makes of one token: the bytes its characters spell, or
    /// its UTF-8 text when some character is outside the byte alphabet.
    private func spelledBytes(_ id: Int) -> [UInt8] {
        guard let token = token(forID: id) else { return [] }
        return ByteLevelAlphabet.bytes(of: token) ?? Array(token.utf8)
    }
}
