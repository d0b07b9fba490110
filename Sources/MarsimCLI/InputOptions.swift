import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimEngine
import MarsimTokenizer

/// The token sequence to run: `--text`, `--text-file` or `--input-ids`.
struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Text to run (byte-level for 256-entry vocabularies, else the checkpoint's tokenizer.json).", valueName: "text"))
    var text: String?

    @Option(help: ArgumentHelp("A file whose contents are the text to run.", valueName: "file"))
    var textFile: String?

    @Option(name: .customLong("input-ids"), help: ArgumentHelp("Token ids, comma-separated (e.g. 72,101,108).", valueName: "ids"))
    var inputIDs: String?

    @Option(help: ArgumentHelp("Use at most this many tokens of the input.", valueName: "n"))
    var limit: Int?

    func validate() throws {
        let given = [text != nil, textFile != nil, inputIDs != nil].filter { $0 }.count
        guard given == 1 else {
            throw ValidationError("Please give exactly one of --text, --text-file or --input-ids.")
        }
        if let limit, limit < 1 { throw ValidationError("Please give a --limit of at least 1.") }
    }

    /// The token ids, checked against the vocabulary.
    func tokens(for checkpoint: Checkpoint) throws -> TokenizedInput {
        var input: TokenizedInput
        if let inputIDs {
            var ids: [Int] = []
            for part in inputIDs.split(separator: ",") {
                guard let id = Int(part.trimmingCharacters(in: .whitespaces)) else {
                    throw CLIError("--input-ids: '\(part)' is not an integer")
                }
                ids.append(id)
            }
            input = TokenizedInput(ids: ids, bytesOfToken: nil, textSource: nil)
        } else {
            let source: String
            let contents: String
            if let textFile {
                guard let data = FileManager.default.contents(atPath: textFile) else {
                    throw CLIError("\(textFile): cannot read the text file")
                }
                contents = String(decoding: data, as: UTF8.self)
                source = textFile
            } else {
                contents = text!
                source = "--text"
            }
            input = try TextEncoding.encode(contents, source: source, checkpoint: checkpoint)
        }
        if let limit, input.ids.count > limit { input.ids = Array(input.ids.prefix(limit)) }
        guard !input.ids.isEmpty else { throw CLIError("the input has no tokens") }
        let vocab = checkpoint.model.shape.vocabSize
        if let bad = input.ids.first(where: { $0 < 0 || $0 >= vocab }) {
            throw CLIError("token id \(bad) is outside the vocabulary 0..<\(vocab) of \(checkpoint.directory.path)")
        }
        return input
    }
}

/// Token ids plus what is known about their bytes.
struct TokenizedInput {
    var ids: [Int]
    /// Bytes each token stands for (for bits per byte), when the text was tokenized.
    var bytesOfToken: ((Int) -> Int)?
    var textSource: String?
}

/// Text → token ids for a checkpoint: its tokenizer.json (byte-level BPE) when it has one,
/// else bytes for a 256-entry vocabulary (see `TokenizerLoader`).
enum TextEncoding {
    /// Loaded tokenizers by checkpoint directory (loading a Llama-3-size tokenizer.json takes ~1 s).
    nonisolated(unsafe) private static var cache: [String: any TextTokenizer] = [:]

    /// The checkpoint's tokenizer, loaded once.
    static func tokenizer(for checkpoint: Checkpoint) throws -> any TextTokenizer {
        let key = checkpoint.directory.path
        if let cached = cache[key] { return cached }
        let loaded = try TokenizerLoader.load(checkpointDirectory: checkpoint.directory, vocabularySize: checkpoint.model.shape.vocabSize)
        cache[key] = loaded
        return loaded
    }

    /// Makes `file` the tokenizer of `checkpoint` for this process (`--tokenizer`); its ids must fit the vocabulary.
    static func use(tokenizerFile file: String, for checkpoint: Checkpoint) throws {
        let tokenizer = try TokenizerLoader.load(tokenizerFile: URL(fileURLWithPath: file))
        guard tokenizer.vocabularySize <= checkpoint.model.shape.vocabSize else {
            throw CLIError("\(file): the tokenizer has \(tokenizer.vocabularySize) ids but \(checkpoint.directory.path) has \(checkpoint.model.shape.vocabSize) embedding rows")
        }
        cache[checkpoint.directory.path] = tokenizer
    }

    /// Encodes `text` (with the tokenizer's special tokens, e.g. BOS, unless `addSpecialTokens` is false).
    static func encode(_ text: String, source: String, checkpoint: Checkpoint, addSpecialTokens: Bool = true) throws -> TokenizedInput {
        let tokenizer = try tokenizer(for: checkpoint)
        let ids = try tokenizer.encode(text, addSpecialTokens: addSpecialTokens)
        return TokenizedInput(ids: ids, bytesOfToken: { tokenizer.tokenBytes($0).count }, textSource: source)
    }
}

extension TextEncoding {
    /// Token ids → text (invalid UTF-8 is replaced).
    static func decode(_ ids: [Int], checkpoint: Checkpoint) throws -> String {
        try tokenizer(for: checkpoint).decode(ids)
    }

    /// Tokenizes a multiple-choice item: the context, then delimiter + choice as a continuation.
    static func tokenizeChoiceItem(_ item: MultipleChoiceItem, checkpoint: Checkpoint) throws -> TokenizedChoiceItem {
        let byteLevel = checkpoint.model.shape.vocabSize == 256
        let delimiter = item.targetDelimiter ?? (byteLevel ? "" : " ")
        let context = try encode(item.context, source: "task context", checkpoint: checkpoint).ids
        let choices = try item.choices.map {
            try encode(delimiter + $0, source: "task choice", checkpoint: checkpoint, addSpecialTokens: false).ids
        }
        return TokenizedChoiceItem(context: context, choices: choices, choiceBytes: item.choices.map { $0.utf8.count }, label: item.label)
    }
}

/// An error for the user, printed as one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
