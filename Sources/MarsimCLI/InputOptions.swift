import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport
import MarsimStudy

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
            input = TokenizedInput(ids: try Self.parseIDs(inputIDs), bytesOfToken: nil, textSource: nil)
        } else {
            let source: String
            let contents: String
            if let textFile {
                contents = try InputFile.readText(textFile, label: "text file")
                source = textFile
            } else {
                contents = text!
                source = "--text"
            }
            input = try TextEncoding.encode(contents, source: source, checkpoint: checkpoint)
        }
        if let limit, input.ids.count > limit { input.ids = Array(input.ids.prefix(limit)) }
        guard !input.ids.isEmpty else { throw CLIError("the input has no tokens") }
        try Self.checkVocabulary(input.ids, checkpoint: checkpoint)
        return input
    }

    /// `--input-ids` text (comma-separated integers) as ids.
    static func parseIDs(_ text: String) throws -> [Int] {
        try text.split(separator: ",").map { part in
            guard let id = Int(part.trimmingCharacters(in: .whitespaces)) else { throw CLIError("--input-ids: '\(part)' is not an integer") }
            return id
        }
    }

    /// Throws unless every id is a row of the checkpoint's embedding.
    static func checkVocabulary(_ ids: [Int], checkpoint: Checkpoint) throws {
        let vocab = checkpoint.model.shape.vocabSize
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocab }) {
            throw CLIError("token id \(bad) is outside the vocabulary 0..<\(vocab) of \(checkpoint.directory.path)")
        }
    }
}
