import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimStudy
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
        let textTokenizer: any TextTokenizer
        if let tokenizer {
            textTokenizer = try TokenizerLoader.load(tokenizerFile: URL(fileURLWithPath: tokenizer))
        } else {
            textTokenizer = try TextEncoding.tokenizer(checkpointDirectory: URL(fileURLWithPath: checkpoint!))
        }
        let ids = try textTokenizer.encode(try text ?? TextEncoding.readUTF8(file: textFile!), addSpecialTokens: !noSpecial)
        let list = ids.map(String.init)
        print(json ? "{\"ids\": [\(list.joined(separator: ", "))]}" : list.joined(separator: " "))
    }
}
