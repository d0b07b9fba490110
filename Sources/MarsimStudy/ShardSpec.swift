/// One share of a study split into `count` shards: `--shard K/N` with 0-based `index` K.
///
/// The share is deterministic and needs nothing but the work list's length: work unit `i` (a
/// what-if configuration, an eval item) belongs to shard `i mod N`. Round-robin rather than
/// contiguous blocks, because a study's costly units cluster (a what-if grid is ordered by T, and
/// work grows with T), so every shard gets a similar mix.
public struct ShardSpec: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// K, in 0..<count.
    public let index: Int
    /// N ≥ 1.
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw StudyError("--shard \(index)/\(count): the shard count N must be at least 1") }
        guard (0..<count).contains(index) else {
            throw StudyError("--shard \(index)/\(count): K is 0-based and must be in 0…\(count - 1)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `K/N` (e.g. `0/4`).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw StudyError("--shard \(text): give it as K/N with 0-based K, e.g. 0/4")
        }
        try self.init(index: k, count: n)
    }

    /// The whole study as one shard.
    public static let whole = try! ShardSpec(index: 0, count: 1)

    /// Whether work unit `unit` belongs to this shard.
    public func owns(_ unit: Int) -> Bool { unit % count == index }

    /// The units of `0..<total` this shard runs, in order.
    public func units(of total: Int) -> [Int] { (0..<max(0, total)).filter(owns) }

    public var description: String { "\(index)/\(count)" }
}

/// A study that cannot be sharded or merged as asked; the message names the file and the problem.
public struct StudyError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
