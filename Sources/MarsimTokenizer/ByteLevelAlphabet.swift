/// The byte ↔ character mapping of byte-level BPE (GPT-2's `bytes_to_unicode`).
///
/// Byte-level vocabularies spell every byte as one printable character so that tokens are
/// readable strings: the printable bytes `!`…`~`, `¡`…`¬` and `®`…`ÿ` stand for themselves,
/// and the other 68 bytes, in increasing order, take U+0100, U+0101, … (space 0x20 is `Ġ`
/// U+0120, newline 0x0A is `Ċ` U+010A). Reproduces the table of the `tokenizers` crate's
/// ByteLevel pre-tokenizer and decoder.
enum ByteLevelAlphabet {
    /// The character that spells each byte, indexed by byte.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 0x100
        for byte in 0..<256 {
            if isPrintable(byte) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each character of the alphabet spells, indexed by scalar value (< 0x144);
    /// -1 for characters outside the alphabet.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() {
            table[Int(scalar.value)] = Int16(byte)
        }
        return table
    }()

    /// Whether `byte` stands for itself in the alphabet.
    private static func isPrintable(_ byte: Int) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The bytes a token spelled in the alphabet stands for, or `nil` when some character
    /// of `token` is outside the alphabet (then the token is not byte-level, e.g. an added
    /// token such as `<|begin_of_text|>` with a real space).
    static func bytes(of token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            let value = Int(scalar.value)
            guard value < byteForScalar.count, byteForScalar[value] >= 0 else { return nil }
            bytes.append(UInt8(byteForScalar[value]))
        }
        return bytes
    }

    /// The alphabet spelling of `bytes` (the inverse of ``bytes(of:)``).
    static func spelling(of bytes: some Sequence<UInt8>) -> String {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(scalarForByte[Int(byte)]) }
        return String(text)
    }
}
