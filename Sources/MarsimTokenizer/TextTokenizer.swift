// MarsimTokenizer: text → token ids for the engine, and token ids → text for people.

/// Turns text into the token ids a checkpoint was trained on, and back.
///
/// Two tokenizers conform: ``ByteTokenizer`` (one token per UTF-8 byte, for byte-level
/// checkpoints without a `tokenizer.json`) and ``BPETokenizer`` (a Hugging Face
/// `tokenizer.json` with a byte-level BPE model). ``TokenizerLoader`` picks one for a
/// checkpoint directory.
///
/// Conforming types are immutable values, so one tokenizer can serve several threads.
public protocol TextTokenizer: Sendable {
    /// The token ids of `text`.
    ///
    /// - Parameters:
    ///   - text: Any Unicode text; it is tokenized as its UTF-8 bytes.
    ///   - addSpecialTokens: Whether to add the tokens the tokenizer wraps every input in
    ///     (for Llama-3 style tokenizers, the BOS token `<|begin_of_text|>` in front).
    /// - Throws: ``TokenizerError`` when some byte of `text` has no token.
    func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int]

    /// The text of `ids`, leaving out special tokens (BOS, EOS, …) and ids the tokenizer
    /// does not know. Byte sequences that are not valid UTF-8 become U+FFFD.
    func decode(_ ids: [Int]) -> String

    /// The number of token ids: one more than the largest id the tokenizer can produce.
    /// A model's embedding needs at least this many rows.
    var vocabularySize: Int { get }

    /// The id `encode(_:addSpecialTokens: true)` puts in front of the text, if any.
    var bosTokenID: Int? { get }

    /// The bytes of text token `id` stands for: what it contributes to ``decode(_:)``.
    ///
    /// Summed over a tokenization of a text (without special tokens) this gives the text's
    /// UTF-8 length, which is what bits-per-byte and length-normalised accuracy divide by.
    /// Special tokens and unknown ids stand for no bytes (`[]`).
    func tokenBytes(_ id: Int) -> [UInt8]
}

extension TextTokenizer {
    /// The token ids of `text` with the tokenizer's special tokens added (BOS for Llama-3).
    public func encode(_ text: String) throws -> [Int] {
        try encode(text, addSpecialTokens: true)
    }
}
