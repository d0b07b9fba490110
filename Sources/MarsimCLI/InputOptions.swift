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
        try InputTokens.load(text: text, textFile: textFile, inputIDs: inputIDs, limit: limit, checkpoint: checkpoint)
    }
}
