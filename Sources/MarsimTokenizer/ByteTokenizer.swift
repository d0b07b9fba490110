/// One token per UTF-8 byte: id = byte value, vocabulary 256, no special tokens.
///
/// This is the tokenizer of byte-level checkpoints (vocabulary 256) that ship no
/// `tokenizer.json`, such as the `tiny-*-bytes` fixtures.
public struct ByteTokenizer: TextTokenizer, Equatable {
    public init() {}

    /// The UTF-8 bytes of `text` as ids; `addSpecialTokens` has no effect (there are none).
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        text.utf8.map { Int($0) }
    }

    /// The UTF-8 text of the bytes `ids`; ids outside 0..<256 are skipped, invalid UTF-8
    /// becomes U+FFFD.
    public func decode(_ ids: [Int]) -> String {
        let bytes = ids.compactMap { (0..<256).contains($0) ? UInt8($0) : nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// 256: one id per byte value.
    public var vocabularySize: Int { 256 }

    /// `nil`: byte-level checkpoints have no BOS token.
    public var bosTokenID: Int? { nil }

    /// `[UInt8(id)]`, or `[]` for an id outside 0..<256.
    public func tokenBytes(_ id: Int) -> [UInt8] {
        (0..<256).contains(id) ? [UInt8(id)] : []
    }
}
