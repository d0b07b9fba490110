import Foundation
import Testing
@testable import MarsimTokenizer

/// Choosing a checkpoint's tokenizer.
@Suite("Tokenizer loader")
struct TokenizerLoaderTests {
    /// A fresh temporary directory, removed after `body`.
    private func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("marsim-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    @Test func byteLevelCheckpointWithoutTokenizerGetsBytes() throws {
        let checkpoint = fixturesDirectory.appendingPathComponent("tiny-mamba2-bytes")
        let tokenizer = try TokenizerLoader.load(checkpointDirectory: checkpoint, vocabularySize: 256)
        #expect(tokenizer is ByteTokenizer)
        #expect(try tokenizer.encode("Hé") == [72, 195, 169])
    }

    @Test func otherCheckpointWithoutTokenizerIsAnError() throws {
        let checkpoint = fixturesDirectory.appendingPathComponent("tiny-mamba2-bytes")
        let message = errorMessage { try TokenizerLoader.load(checkpointDirectory: checkpoint, vocabularySize: 32000) }
        #expect(message == checkpoint.path + ": no tokenizer.json, and the model's vocabulary has 32000 entries, "
            + "not the 256 of a byte-level model; pass --tokenizer FILE")
    }

    @Test func checkpointTokenizerJSONIsUsed() throws {
        try withTemporaryDirectory { directory in
            let source = llama3StyleDirectory.appendingPathComponent("tokenizer.json")
            try FileManager.default.copyItem(at: source, to: directory.appendingPathComponent("tokenizer.json"))
            // A model may have more embedding rows than the tokenizer has ids.
            let tokenizer = try TokenizerLoader.load(checkpointDirectory: directory, vocabularySize: 1024)
            #expect(tokenizer is BPETokenizer)
            #expect(try tokenizer.encode("Hello, world!") == [0, 41, 70, 77, 324, 13, 308, 279, 77, 69, 2])

            let message = errorMessage { try TokenizerLoader.load(checkpointDirectory: directory, vocabularySize: 256) }
            #expect(message == directory.appendingPathComponent("tokenizer.json").path
                + ": the tokenizer has 1000 ids but the model's embedding only 256 rows")
        }
    }

    @Test func malformedCheckpointTokenizerNamesTheFile() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("tokenizer.json")
            try Data("not json".utf8).write(to: file)
            let message = errorMessage { try TokenizerLoader.load(checkpointDirectory: directory, vocabularySize: 256) }
            #expect(message?.hasPrefix(file.path + ": malformed tokenizer.json: invalid JSON") == true)
        }
    }
}

/// One token per byte.
@Suite("Byte tokenizer")
struct ByteTokenizerTests {
    let tokenizer = ByteTokenizer()

    @Test func idsAreBytes() {
        #expect(tokenizer.encode("Hi é🙂", addSpecialTokens: true) == [72, 105, 32, 195, 169, 240, 159, 153, 130])
        #expect(tokenizer.encode("", addSpecialTokens: true) == [])
        #expect(tokenizer.vocabularySize == 256)
        #expect(tokenizer.bosTokenID == nil)
    }

    @Test func decodeSkipsOutOfRangeIdsAndRepairsBrokenUTF8() {
        #expect(tokenizer.decode([72, 105, 300, -1]) == "Hi")
        #expect(tokenizer.decode([195]) == "\u{FFFD}")
    }

    @Test(arguments: [0, 65, 255])
    func tokenBytesIsTheByte(id: Int) {
        #expect(tokenizer.tokenBytes(id) == [UInt8(id)])
    }

    @Test(arguments: [-1, 256])
    func tokenBytesOfUnknownIdIsEmpty(id: Int) {
        #expect(tokenizer.tokenBytes(id) == [])
    }
}
