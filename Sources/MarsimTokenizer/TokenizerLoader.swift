import Foundation
import MarsimCore

/// Finds and loads the tokenizer of a checkpoint.
public enum TokenizerLoader {
    /// The tokenizer of the checkpoint in `checkpointDirectory`.
    ///
    /// - With a `tokenizer.json` there: that file, as a ``BPETokenizer``; its ids must fit the
    ///   model's `vocabularySize` (a model may have more embedding rows than the tokenizer uses).
    /// - Without one, for a byte-level model (`vocabularySize` 256): ``ByteTokenizer``.
    /// - Otherwise nothing can tokenize for this model, and this throws rather than guessing.
    ///
    /// - Parameters:
    ///   - checkpointDirectory: A Hugging Face checkpoint directory.
    ///   - vocabularySize: Rows of the model's embedding (`vocab_size` in `config.json`).
    /// - Throws: ``TokenizerError``: ``TokenizerError/noTokenizer(directory:vocabularySize:)``,
    ///   ``TokenizerError/vocabularyTooLarge(file:tokenizerSize:modelSize:)``, or whatever
    ///   ``load(tokenizerFile:)`` throws.
    public static func load(checkpointDirectory: URL, vocabularySize: Int) throws -> any TextTokenizer {
        let file = checkpointDirectory.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            guard vocabularySize == 256 else {
                throw TokenizerError.noTokenizer(directory: checkpointDirectory.path, vocabularySize: vocabularySize)
            }
            return ByteTokenizer()
        }
        let tokenizer = try load(tokenizerFile: file)
        guard tokenizer.vocabularySize <= vocabularySize else {
            throw TokenizerError.vocabularyTooLarge(
                file: file.path, tokenizerSize: tokenizer.vocabularySize, modelSize: vocabularySize)
        }
        return tokenizer
    }

    /// The byte-level BPE tokenizer in Hugging Face `tokenizer.json` file `tokenizerFile`.
    ///
    /// - Throws: ``TokenizerError/unreadable(file:reason:)`` when the file cannot be read,
    ///   ``TokenizerError/malformed(file:detail:)`` when it is not a valid `tokenizer.json`,
    ///   ``TokenizerError/unsupported(file:feature:)`` when it needs a feature marsim lacks.
    public static func load(tokenizerFile: URL) throws -> BPETokenizer {
        let path = tokenizerFile.path
        let data: Data
        do {
            data = try InputFile.read(path, label: "tokenizer file")
        } catch let error as InputFileError {
            throw TokenizerError.unreadable(file: path, reason: error.reason)
        }
        return try load(tokenizerJSON: data, file: path)
    }

    /// The tokenizer in `data`, the contents of a `tokenizer.json`; `file` names it in errors.
    public static func load(tokenizerJSON data: Data, file: String = "tokenizer.json") throws -> BPETokenizer {
        if let key = JSONDuplicateKeys.first(in: [UInt8](data)) {
            throw TokenizerError.malformed(file: file, detail: "the key '\(key)' appears twice (JSON readers disagree on which value counts)")
        }
        let json: TokenizerJSON
        do {
            json = try JSONDecoder().decode(TokenizerJSON.self, from: data)
        } catch let error as DecodingError {
            throw TokenizerError.malformed(file: file, detail: describe(error, in: data))
        }
        return try BPETokenizer(json: json, file: file)
    }

    /// A one-line account of a decoding failure: what is wrong and at which JSON path.
    private static func describe(_ error: DecodingError, in data: Data) -> String {
        switch error {
        case let .keyNotFound(key, context):
            return "missing field '\(jsonPath(context.codingPath + [key]))'"
        case let .typeMismatch(type, context):
            return "'\(jsonPath(context.codingPath))' is not \(typeName(type))"
        case let .valueNotFound(type, context):
            return "'\(jsonPath(context.codingPath))' is null where \(typeName(type)) is expected"
        case let .dataCorrupted(context) where context.codingPath.isEmpty:
            return "invalid JSON: \(syntaxError(in: data) ?? context.debugDescription)"
        case let .dataCorrupted(context):
            return "'\(jsonPath(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// Where `data` stops being JSON ("Invalid value around character 8."), which
    /// `JSONDecoder`'s own error does not say.
    private static func syntaxError(in data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        }
    }

    /// A reader's name for the type a decoder expected.
    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Double.Type: return "a number"
        case is Bool.Type: return "a boolean"
        case is [Any].Type: return "an array"
        case is [String: Any].Type: return "an object"
        default: return "a \(type)"
        }
    }
}
