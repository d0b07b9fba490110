import Foundation
@testable import MarsimCheckpoint
import Testing

/// `InspectReport`'s parts that need no checkpoint: the tokenizer choice and number formatting
/// (the whole report is tested through `marsim inspect` in MarsimCLITests).
@Suite("inspect report")
struct InspectReportTests {
    @Test("Tokenizer: bytes for vocabulary 256 without tokenizer.json, else tokenizer.json, else none")
    func tokenizerChoice() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-inspect-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(InspectReport.tokenizer(directory: dir, vocabSize: 256).kind == "byte-level")
        let none = InspectReport.tokenizer(directory: dir, vocabSize: 32000)
        #expect(none.kind == "none" && none.detail.contains("--input-ids"))
        try Data("{}".utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
        #expect(InspectReport.tokenizer(directory: dir, vocabSize: 32000).kind == "tokenizer.json")
        #expect(InspectReport.tokenizer(directory: dir, vocabSize: 256).kind == "tokenizer.json")
    }

    @Test("Number formatting")
    func formatting() {
        #expect(InspectReport.grouped(0) == "0" && InspectReport.grouped(999) == "999")
        #expect(InspectReport.grouped(1_094_112) == "1,094,112" && InspectReport.grouped(-12_345) == "-12,345")
        #expect(InspectReport.metric(1_094_112, unit: "") == "1.09 M")
        #expect(InspectReport.metric(4_376_448, unit: "B") == "4.38 MB")
        #expect(InspectReport.metric(512, unit: "B") == "512 B")
    }
}
