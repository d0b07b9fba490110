import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimReport

/// The token sequence a run reads: a text (a string or a file's contents) through the checkpoint's
/// tokenizer, or ids as typed; cut to a limit and checked against the vocabulary, so a bad id
/// fails as one line before anything runs.
public enum InputTokens {
    /// The ids of `inputIDs`, else of the text of `textFile`, else of `text` (exactly one is given),
    /// at most `limit` of them; throws when there are none or one is outside the vocabulary.
    public static func load(text: String?, textFile: String?, inputIDs: String?, limit: Int?, checkpoint: Checkpoint) throws -> TokenizedInput {
        var input: TokenizedInput
        if let inputIDs {
            input = TokenizedInput(ids: try parseIDs(inputIDs), bytesOfToken: nil, textSource: nil)
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
        try checkVocabulary(input.ids, checkpoint: checkpoint)
        return input
    }

    /// `--input-ids` text (comma-separated integers) as ids.
    public static func parseIDs(_ text: String) throws -> [Int] {
        try text.split(separator: ",").map { part in
            guard let id = Int(part.trimmingCharacters(in: .whitespaces)) else { throw CLIError("--input-ids: '\(part)' is not an integer") }
            return id
        }
    }

    /// Throws unless every id is a row of the checkpoint's embedding.
    public static func checkVocabulary(_ ids: [Int], checkpoint: Checkpoint) throws {
        let vocab = checkpoint.model.shape.vocabSize
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocab }) {
            throw CLIError("token id \(bad) is outside the vocabulary 0..<\(vocab) of \(checkpoint.directory.path)")
        }
    }
}
