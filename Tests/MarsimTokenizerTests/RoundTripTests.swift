import Testing
@testable import MarsimTokenizer

/// decode(encode(s)) == s, and token bytes add up to the text's bytes, for varied Unicode.
@Suite("Round trips")
struct RoundTripTests {
    static let texts = [
        "", " ", "  ", "\n", "\r\n", "\t\t", "a", "Hello, world!", "  leading and trailing  ",
        "déjà vu — naïve café", "e\u{301}\u{301} combining", "日本語のテキストです。", "한국어 텍스트",
        "Ελληνικά και русский", "עברית ועربية", "emoji 🙂🚀👩🏽‍💻🇫🇷 flags", "\u{FEFF}BOM", "\u{0}nul\u{7F}del",
        "zero\u{200B}width\u{200D}joiner", "ſ ﬅ Ⅻ ½ ²³", "x=1;y=22;z=x+y", "def f(x):\n    return x ** 2\n",
        "I'M SURE THEY'LL", "1234567890123", "\u{3000}ideographic\u{00A0}nbsp\u{2028}ls", "a\r\rb\n\n\nc",
        String(repeating: "ab ", count: 200),
    ]

    @Test(arguments: texts)
    func bpeDecodeInvertsEncode(text: String) throws {
        let tokenizer = try llama3Style.get()
        let ids = try tokenizer.encode(text, addSpecialTokens: false)
        #expect(tokenizer.decode(ids) == text)
        #expect(tokenizer.decode(try tokenizer.encode(text, addSpecialTokens: true)) == text)
        #expect(ids.flatMap(tokenizer.tokenBytes) == Array(text.utf8))
    }

    @Test(arguments: texts)
    func byteDecodeInvertsEncode(text: String) {
        let tokenizer = ByteTokenizer()
        let ids = tokenizer.encode(text, addSpecialTokens: true)
        #expect(tokenizer.decode(ids) == text)
        #expect(ids.flatMap(tokenizer.tokenBytes) == Array(text.utf8))
    }

    @Test func byteLevelAlphabetIsABijection() {
        let scalars = ByteLevelAlphabet.scalarForByte
        #expect(Set(scalars).count == 256)
        #expect(scalars[0x20] == "Ġ" && scalars[0x0A] == "Ċ" && scalars[0x41] == "A")
        for byte in 0..<256 {
            #expect(ByteLevelAlphabet.bytes(of: String(scalars[byte])) == [UInt8(byte)])
        }
        #expect(ByteLevelAlphabet.bytes(of: "<|x y|>") == nil)  // a real space is not in the alphabet
    }
}
