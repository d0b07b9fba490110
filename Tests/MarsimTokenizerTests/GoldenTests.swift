import Foundation
import Testing
@testable import MarsimTokenizer

/// One case of `tokenizer-llama3-style/golden.json`, written by `tokenizers` 0.22.
struct GoldenCase: Decodable, Sendable, CustomTestStringConvertible {
    var text: String
    var ids: [Int]
    var idsNoSpecial: [Int]
    var decoded: String

    enum CodingKeys: String, CodingKey {
        case text, ids, idsNoSpecial = "ids_no_special", decoded
    }

    var testDescription: String { String(reflecting: text) }

    /// Every case of the golden file; empty if it cannot be read (a test checks the count).
    static let all: [GoldenCase] = {
        let file = llama3StyleDirectory.appendingPathComponent("golden.json")
        guard let data = try? Data(contentsOf: file) else { return [] }
        return (try? JSONDecoder().decode([GoldenCase].self, from: data)) ?? []
    }()
}

@Suite("Golden ids from tokenizers (Llama-3-style fixture)")
struct GoldenTests {
    @Test func fixtureHasTwentyCases() {
        #expect(GoldenCase.all.count == 20)
    }

    @Test(arguments: GoldenCase.all)
    func idsWithSpecialTokens(_ golden: GoldenCase) throws {
        let tokenizer = try llama3Style.get()
        #expect(try tokenizer.encode(golden.text, addSpecialTokens: true) == golden.ids)
    }

    @Test(arguments: GoldenCase.all)
    func idsWithoutSpecialTokens(_ golden: GoldenCase) throws {
        let tokenizer = try llama3Style.get()
        #expect(try tokenizer.encode(golden.text, addSpecialTokens: false) == golden.idsNoSpecial)
    }

    @Test(arguments: GoldenCase.all)
    func decodedText(_ golden: GoldenCase) throws {
        let tokenizer = try llama3Style.get()
        #expect(tokenizer.decode(golden.ids) == golden.decoded)
        #expect(tokenizer.decode(golden.idsNoSpecial) == golden.decoded)
    }

    @Test func fixtureShape() throws {
        let tokenizer = try llama3Style.get()
        #expect(tokenizer.vocabularySize == 1000)
        #expect(tokenizer.bosTokenID == 0)
        #expect(tokenizer.id(forToken: "<|begin_of_text|>") == 0)
        #expect(tokenizer.id(forToken: "<|end_of_text|>") == 1)
        #expect(tokenizer.token(forID: 222) == "Ġ")
        #expect(tokenizer.token(forID: 1000) == nil)
    }

    @Test func decodeKeepsSpecialTokensWhenAsked() throws {
        let tokenizer = try llama3Style.get()
        let ids = try tokenizer.encode("<|end_of_text|>hi", addSpecialTokens: true)
        #expect(ids.prefix(2) == [0, 1])
        #expect(tokenizer.decode(ids, skipSpecialTokens: false) == "<|begin_of_text|><|end_of_text|>hi")
        #expect(tokenizer.decode(ids) == "hi")
    }
}
