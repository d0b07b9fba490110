import Foundation

/// Why a tokenizer could not be loaded or could not encode a text.
///
/// Every message is one line that starts with the file (or directory) concerned.
public enum TokenizerError: Error, Equatable, LocalizedError, CustomStringConvertible {
    /// The file could not be read at all (missing, unreadable).
    case unreadable(file: String, reason: String)
    /// The file is not valid JSON, or lacks or mistypes a field `tokenizer.json` needs.
    case malformed(file: String, detail: String)
    /// The file asks for something marsim does not implement (a model, pre-tokenizer,
    /// normalizer, post-processor, decoder or Split regex); `feature` names it.
    case unsupported(file: String, feature: String)
    /// A checkpoint directory without `tokenizer.json` whose model is not byte-level.
    case noTokenizer(directory: String, vocabularySize: Int)
    /// The tokenizer produces ids the model has no embedding rows for.
    case vocabularyTooLarge(file: String, tokenizerSize: Int, modelSize: Int)
    /// A byte of the input text has no token and the model has no `unk_token`.
    case unencodableByte(file: String, byte: UInt8)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read tokenizer file: \(reason)"
        case let .malformed(file, detail):
            return "\(file): malformed tokenizer.json: \(detail)"
        case let .unsupported(file, feature):
            return "\(file): unsupported tokenizer feature: \(feature) (marsim supports byte-level BPE tokenizers only)"
        case let .noTokenizer(directory, vocabularySize):
            return "\(directory): no tokenizer.json, and the model's vocabulary has \(vocabularySize) entries, "
                + "not the 256 of a byte-level model; pass --tokenizer FILE"
        case let .vocabularyTooLarge(file, tokenizerSize, modelSize):
            return "\(file): the tokenizer has \(tokenizerSize) ids but the model's embedding only \(modelSize) rows"
        case let .unencodableByte(file, byte):
            let hex = String(byte, radix: 16, uppercase: true)
            return "\(file): byte 0x\(hex.count == 1 ? "0" + hex : hex) of the text has no token and the model has no unk_token"
        }
    }

    public var errorDescription: String? { description }
}
