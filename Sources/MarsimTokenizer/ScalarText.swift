/// What the split patterns ask of a character: `\p{L}`, `\p{N}`, `\s` and `[\r\n]`.
struct ScalarClass: OptionSet, Sendable {
    let rawValue: UInt8

    /// General category L (Lu, Ll, Lt, Lm, Lo): `\p{L}`.
    static let letter = ScalarClass(rawValue: 1)
    /// General category N (Nd, Nl, No): `\p{N}`.
    static let number = ScalarClass(rawValue: 2)
    /// The Unicode White_Space property: `\s` in the Oniguruma and Rust regex engines that
    /// `tokenizers` uses (U+0085, U+00A0, U+3000 … are spaces; U+001C–U+001F, U+200B are not).
    static let whitespace = ScalarClass(rawValue: 4)
    /// CR or LF: `[\r\n]`.
    static let lineBreak = ScalarClass(rawValue: 8)

    /// The class of one scalar; ASCII without table look-ups.
    @inline(__always)
    static func of(_ value: UInt32) -> ScalarClass {
        if value < 0x80 {
            if value &- 0x61 < 26 || value &- 0x41 < 26 { return .letter }
            if value &- 0x30 < 10 { return .number }
            if value == 0x0A || value == 0x0D { return [.whitespace, .lineBreak] }
            if value == 0x20 || value &- 0x09 < 5 { return .whitespace }
            return []
        }
        let properties = Unicode.Scalar(value)!.properties
        var result: ScalarClass = properties.isWhitespace ? .whitespace : []
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            result.insert(.number)
        default:
            break
        }
        return result
    }
}

/// A stretch of UTF-8 text decoded once into scalars, each with its ``ScalarClass`` and its
/// byte offset, so that split patterns run over scalars and their pieces come out as bytes.
///
/// Piece boundaries are scalar indices; `offsets[i]` is where scalar `i` starts in `utf8`
/// and `offsets[count]` is `utf8.endIndex`.
struct ScalarText {
    /// The text's bytes (valid UTF-8; pieces are slices of it).
    let utf8: ArraySlice<UInt8>
    /// Scalar values.
    private(set) var scalars: [UInt32] = []
    /// The class of each scalar.
    private(set) var classes: [ScalarClass] = []
    /// The byte offset in `utf8` of each scalar, then `utf8.endIndex`.
    private(set) var offsets: [Int] = []

    /// Decodes `utf8`, which must be valid UTF-8 (as any Swift string's bytes are).
    init(utf8: ArraySlice<UInt8>) {
        self.utf8 = utf8
        scalars.reserveCapacity(utf8.count)
        classes.reserveCapacity(utf8.count)
        offsets.reserveCapacity(utf8.count + 1)
        utf8.withUnsafeBufferPointer { bytes in
            var i = 0
            while i < bytes.count {
                let lead = UInt32(bytes[i])
                var value: UInt32
                var length: Int
                if lead < 0x80 {
                    value = lead; length = 1
                } else if lead < 0xE0 {
                    value = lead & 0x1F; length = 2
                } else if lead < 0xF0 {
                    value = lead & 0x0F; length = 3
                } else {
                    value = lead & 0x07; length = 4
                }
                for k in 1..<length { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
                scalars.append(value)
                classes.append(ScalarClass.of(value))
                offsets.append(utf8.startIndex + i)
                i += length
            }
        }
        offsets.append(utf8.endIndex)
    }

    /// Number of scalars.
    var count: Int { scalars.count }

    /// The bytes of scalars `range`.
    func bytes(_ range: Range<Int>) -> ArraySlice<UInt8> {
        utf8[offsets[range.lowerBound]..<offsets[range.upperBound]]
    }
}
