/// Little-endian encoding into a growing byte buffer, for the trace journal.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Double) { append(value.bitPattern) }

    /// Unsigned LEB128.
    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Zigzag, then LEB128: small magnitudes of either sign take few bytes.
    mutating func appendSignedVarint(_ value: Int64) {
        appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func append<T: BitwiseCopyable>(contentsOf values: [T]) {
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}

/// Bounds-checked little-endian decoding of a journal record: every read past the end throws, so a
/// damaged or hostile record can never make the decoder read out of bounds or allocate more than
/// the record holds.
struct ByteReader {
    struct Overrun: Error {}

    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var atEnd: Bool { offset == bytes.count }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw Overrun() }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += size
        return T(littleEndian: value)
    }

    mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard remaining >= 1, shift < 64 else { throw Overrun() }
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func readSignedVarint() throws -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// `count` elements of `T`; `count` is checked against the bytes left before anything is allocated.
    mutating func readArray<T: BitwiseCopyable>(_ type: T.Type, count: Int) throws -> [T] {
        let size = MemoryLayout<T>.stride
        guard count >= 0, count <= remaining / max(size, 1) else { throw Overrun() }
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset ..< offset + count * size]))
            }
            initialized = count
        }
        offset += count * size
        return values
    }
}

/// FNV-1a 64 over 8-byte little-endian words, then the remaining bytes: detects a torn or damaged
/// journal record (not cryptographic; the journal guards against crashes, not adversaries).
enum JournalChecksum {
    static let basis: UInt64 = 0xcbf2_9ce4_8422_2325

    /// A record's checksum covers its token count and length as well as its payload.
    static func record(tokens: UInt32, length: UInt64, payload: [UInt8]) -> UInt64 {
        var hash = basis
        hash = (hash ^ UInt64(tokens)) &* 0x0000_0100_0000_01B3
        hash = (hash ^ length) &* 0x0000_0100_0000_01B3
        return payload.withUnsafeBytes { of($0, from: hash) }
    }

    static func of(_ bytes: UnsafeRawBufferPointer, from start: UInt64 = basis) -> UInt64 {
        var hash = start
        let words = bytes.count / 8
        for i in 0..<words {
            hash = (hash ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) &* 0x0000_0100_0000_01B3
        }
        for i in (words * 8)..<bytes.count {
            hash = (hash ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func of(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { of($0) } }
}
