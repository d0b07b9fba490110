import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport
import MarsimTokenizer

/// Token ids plus what is known about their bytes.
public struct TokenizedInput {
    public var ids: [Int]
    /// Bytes each token stands for (for bits per byte), when the text was tokenized.
    public var bytesOfToken: ((Int) -> Int)?
    public var textSource: String?

    public init(ids: [Int], bytesOfToken: ((Int) -> Int)?, textSource: String?) {
        self.ids = ids
        self.bytesOfToken = bytesOfToken
        self.textSource = textSource
    }
}

/// Text → token ids for a checkpoint: its tokenizer.json (byte-level BPE) when it has one,
/// else bytes for a 256-entry vocabulary (see `TokenizerLoader`).
public enum TextEncoding {
    /// Loaded tokenizers by checkpoint directory (loading a Llama-3-size tokenizer.json takes ~1 s).
    nonisolated(unsafe) private static var cache: [String: any TextTokenizer] = [:]

    /// The checkpoint's tokenizer, loaded once.
    public static func tokenizer(for checkpoint: Checkpoint) throws -> any TextTokenizer {
        let key = checkpoint.directory.path
        if let cached = cache[key] { return cached }
        let loaded = try TokenizerLoader.load(checkpointDirectory: checkpoint.directory, vocabularySize: checkpoint.model.shape.vocabSize)
        cache[key] = loaded
        return loaded
    }

    /// Makes `file` the tokenizer of `checkpoint` for this process (`--tokenizer`); its ids must fit the vocabulary.
    public static func use(tokenizerFile file: String, for checkpoint: Checkpoint) throws {
        let tokenizer = try TokenizerLoader.load(tokenizerFile: URL(fileURLWithPath: file))
        guard tokenizer.vocabularySize <= checkpoint.model.shape.vocabSize else {
            throw CLIError("\(file): the tokenizer has \(tokenizer.vocabularySize) ids but \(checkpoint.directory.path) has \(checkpoint.model.shape.vocabSize) embedding rows")
        }
        cache[checkpoint.directory.path] = tokenizer
    }

    /// Encodes `text` (with the tokenizer's special tokens, e.g. BOS, unless `addSpecialTokens` is false).
    public static func encode(_ text: String, source: String, checkpoint: Checkpoint, addSpecialTokens: Bool = true) throws -> TokenizedInput {
        let tokenizer = try tokenizer(for: checkpoint)
        let ids = try tokenizer.encode(text, addSpecialTokens: addSpecialTokens)
        return TokenizedInput(ids: ids, bytesOfToken: { tokenizer.tokenBytes($0).count }, textSource: source)
    }
}

extension TextEncoding {
    /// Token ids → text (invalid UTF-8 is replaced).
    public static func decode(_ ids: [Int], checkpoint: Checkpoint) throws -> String {
        try tokenizer(for: checkpoint).decode(ids)
    }

    /// Tokenizes a multiple-choice item: the context, then delimiter + choice as a continuation.
    public static func tokenizeChoiceItem(_ item: MultipleChoiceItem, checkpoint: Checkpoint) throws -> TokenizedChoiceItem {
        let byteLevel = checkpoint.model.shape.vocabSize == 256
        let delimiter = item.targetDelimiter ?? (byteLevel ? "" : " ")
        let context = try encode(item.context, source: "task context", checkpoint: checkpoint).ids
        let choices = try item.choices.map {
            try encode(delimiter + $0, source: "task choice", checkpoint: checkpoint, addSpecialTokens: false).ids
        }
        return TokenizedChoiceItem(context: context, choices: choices, choiceBytes: item.choices.map { $0.utf8.count }, label: item.label)
    }
}

extension TextEncoding {
    /// The tokenizer of the checkpoint in `directory` without loading its weights: its
    /// tokenizer.json, or bytes for `vocab_size` 256 (read alone from config.json; all three
    /// architectures spell it `vocab_size`), for `marsim tokenize`.
    public static func tokenizer(checkpointDirectory directory: URL) throws -> any TextTokenizer {
        struct VocabularySize: Decodable { var vocab_size: Int }
        let vocabularySize = try ConfigFile.decode(VocabularySize.self, from: directory.appendingPathComponent("config.json")).vocab_size
        return try TokenizerLoader.load(checkpointDirectory: directory, vocabularySize: vocabularySize)
    }

    /// The UTF-8 text of `file`, decoded as is (a byte-order mark is text too; String(data:encoding:)
    /// would drop it); throws when it is not UTF-8.
    public static func readUTF8(file: String) throws -> String {
        let url = URL(fileURLWithPath: file)
        let data = try InputFile.read(url.path, label: "text file")
        let text = String(decoding: data, as: UTF8.self)
        guard text.utf8.elementsEqual(data) else { throw TokenizeError("\(url.path): not UTF-8 text") }
        return text
    }
}

/// A one-line failure of `marsim tokenize` that is not the tokenizer's own.
public struct TokenizeError: Error, CustomStringConvertible, LocalizedError {
    public var description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
