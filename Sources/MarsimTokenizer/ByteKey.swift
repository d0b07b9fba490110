/// A run of bytes as a dictionary key, hashed in one pass over its memory.
///
/// `ArraySlice<UInt8>` is `Hashable` already, but it feeds the hasher one byte at a time,
/// which made hashing the largest cost of encoding; this key hashes the bytes as one block.
struct ByteKey: Hashable, Sendable {
    let bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool {
        lhs.bytes.count == rhs.bytes.count && lhs.bytes.elementsEqual(rhs.bytes)
    }
}
