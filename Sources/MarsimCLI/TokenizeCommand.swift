import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimTokenizer

/// `marsim tokenize`: the token ids a checkpoint's tokenizer (or a `tokenizer.json`) gives a text.
public struct TokenizeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text.",
        discussion: """
            The tokenizer is the checkpoint's tokenizer.json (byte-level BPE, as GPT-2, Llama-3 and \
            Qwen2 use), or one byte per token for a byte-level checkpoint (vocab_size 256) without one.

            Examples:
              marsim tokenize --checkpoint checkpoints/tiny-llamba-bytes --text "Hello"
              marsim tokenize --tokenizer Tests/Fixtures/tokenizer-llama3-style/tokenizer.json \\
                  --text "Hello, world!" --json
              marsim tokenize --tokenizer FILE.json --text-file FILE --no-special
            """
    )

    @Option(help: ArgumentHelp("A checkpoint directory: its tokenizer.json, or bytes for a byte-level model.",
                               valueName: "dir"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("A Hugging Face tokenizer.json file.", valueName: "file"))
    var tokenizer: String?

    @Option(help: "The text to tokenize.")
    var text: String?

    @Option(name: .customLong("text-file"), help: ArgumentHelp("A UTF-8 file whose text to tokenize.", valueName: "file"))
    var textFile: String?

    @Flag(name: .customLong("no-special"), help: "Leave out special tokens (such as the BOS token).")
    var noSpecial = false

    @Flag(help: "Print {\"ids\": […]} instead of space-separated ids.")
    var json = false

    public init() {}

    public func validate() throws {
        switch (checkpoint, tokenizer) {
        case (nil, nil): throw ValidationError("Please give a tokenizer: --checkpoint DIR or --tokenizer FILE.")
        case (.some, .some): throw ValidationError("Please give either --checkpoint or --tokenizer, not both.")
        default: break
        }
        switch (text, textFile) {
        case (nil, nil): throw ValidationError("Please give the text: --text S or --text-file F.")
        case (.some, .some): throw ValidationError("Please give either --text or --text-file, not both.")
        default: break
        }
    }

    public func run() throws {
        let textTokenizer = try loadTokenizer()
        let ids = try textTokenizer.encode(try loadText(), addSpecialTokens: !noSpecial)
        let list = ids.map(String.init)
        print(json ? "{\"ids\": [\(list.joined(separator: ", "))]}" : list.joined(separator: " "))
    }

    private func loadTokenizer() throws -> any TextTokenizer {
        if let tokenizer {
            return try TokenizerLoader.load(tokenizerFile: URL(fileURLWithPath: tokenizer))
        }
        let directory = URL(fileURLWithPath: checkpoint!)
        return try TokenizerLoader.load(checkpointDirectory: directory,
                                        vocabularySize: try Self.vocabularySize(of: directory))
    }

    private func loadText() throws -> String {
        if let text { return text }
        let url = URL(fileURLWithPath: textFile!)
        let data = try InputFile.read(url.path, label: "text file")
        // Decoded as is: a byte-order mark is text too (String(data:encoding:) would drop it).
        let text = String(decoding: data, as: UTF8.self)
        guard text.utf8.elementsEqual(data) else { throw TokenizeError("\(url.path): not UTF-8 text") }
        return text
    }

    /// `vocab_size` from the checkpoint's `config.json`, read alone: loading the checkpoint would
    /// widen every tensor just to tokenize. (All three architectures spell it `vocab_size`.)
    private static func vocabularySize(of directory: URL) throws -> Int {
        struct VocabularySize: Decodable { var vocab_size: Int }
        return try ConfigFile.decode(VocabularySize.self, from: directory.appendingPathComponent("config.json")).vocab_size
    }
}

/// A one-line failure of `marsim tokenize` that is not the tokenizer's own.
struct TokenizeError: Error, CustomStringConvertible, LocalizedError {
    var description: String
    init(_ description: String) { self.description = description }
    var errorDescription: String? { description }
}
