/// Finds NaN and ±infinity in a tensor's stored bytes, before they are widened.
///
/// Why at load: one NaN weight turns every logit into NaN, and every downstream number (KL,
/// argmax, energy per token) into something that looks plausible or silently zero. Checking the
/// raw little-endian bit patterns (exponent all ones) covers F32, F16, BF16 and F64 exactly.
public enum NonFiniteValues {
    /// The index and kind ("NaN", "+inf", "-inf") of the first non-finite element, or nil.
    public static func first(in bytes: UnsafeRawBufferPointer, dtype: TensorDType, count: Int) -> (index: Int, kind: String)? {
        switch dtype {
        case .f32:
            return scan(bytes, count: count, as: UInt32.self, exponent: 0x7F80_0000, mantissa: 0x007F_FFFF, sign: 0x8000_0000)
        case .f16:
            return scan(bytes, count: count, as: UInt16.self, exponent: 0x7C00, mantissa: 0x03FF, sign: 0x8000)
        case .bf16:
            return scan(bytes, count: count, as: UInt16.self, exponent: 0x7F80, mantissa: 0x007F, sign: 0x8000)
        case .f64:
            return scan(bytes, count: count, as: UInt64.self, exponent: 0x7FF0_0000_0000_0000,
                        mantissa: 0x000F_FFFF_FFFF_FFFF, sign: 0x8000_0000_0000_0000)
        default:
            return nil  // integers are always finite
        }
    }

    private static func scan<Word: FixedWidthInteger & UnsignedInteger>(
        _ bytes: UnsafeRawBufferPointer, count: Int, as: Word.Type, exponent: Word, mantissa: Word, sign: Word
    ) -> (index: Int, kind: String)? {
        let size = MemoryLayout<Word>.size
        let n = min(count, bytes.count / size)
        for i in 0..<n {
            let word = Word(littleEndian: bytes.loadUnaligned(fromByteOffset: i * size, as: Word.self))
            if word & exponent == exponent {
                return (i, word & mantissa != 0 ? "NaN" : (word & sign != 0 ? "-inf" : "+inf"))
            }
        }
        return nil
    }
}
