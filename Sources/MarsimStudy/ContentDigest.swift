import Foundation

/// FNV-1a 64 of a file's bytes, as 16 hex digits: the fingerprint a shard records for every file it
/// writes, so a merge notices a file replaced or edited after the shard finished.
///
/// FNV-1a is not cryptographic: it catches accidents (a re-run into the same folder, a truncated
/// copy, an edited CSV), not an adversary who forges a collision. The study identity uses the same
/// digest over its canonical JSON.
public enum ContentDigest {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The digest of `bytes`.
    public static func of(_ bytes: some Sequence<UInt8>) -> String {
        var hash = offsetBasis
        for b in bytes { hash = (hash ^ UInt64(b)) &* prime }
        return hex(hash)
    }

    /// The digest of the file at `path`, read in 1 MiB blocks (memory stays flat for large traces).
    public static func ofFile(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StudyError("\(path): cannot be read (missing or not readable)")
        }
        defer { try? handle.close() }
        var hash = offsetBasis
        while true {
            let block = try handle.read(upToCount: 1 << 20) ?? Data()
            if block.isEmpty { break }
            block.withUnsafeBytes { raw in
                for b in raw { hash = (hash ^ UInt64(b)) &* prime }
            }
        }
        return hex(hash)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}
