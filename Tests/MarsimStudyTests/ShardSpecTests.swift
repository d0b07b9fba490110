import Foundation
import MarsimStudy
import Testing

@Suite struct ShardSpecTests {
    @Test(arguments: [(0, 1), (0, 4), (3, 4), (2, 7)])
    func parsesKOverN(k: Int, n: Int) throws {
        let spec = try ShardSpec(parsing: "\(k)/\(n)")
        #expect(spec.index == k && spec.count == n && spec.description == "\(k)/\(n)")
    }

    @Test(arguments: [("4/4", "0-based"), ("-1/4", "0-based"), ("1/0", "at least 1"), ("1", "K/N"), ("a/b", "K/N"), ("1/2/3", "K/N")])
    func refusesBadShards(text: String, fragment: String) {
        #expect(throws: StudyError.self) { try ShardSpec(parsing: text) }
        do { _ = try ShardSpec(parsing: text) } catch { #expect("\(error)".contains(fragment), "\(error)") }
    }

    /// Round-robin: unit i goes to shard i mod N; the shards partition 0..<total exactly once.
    @Test(arguments: [1, 2, 3, 4, 5, 13])
    func sharesPartitionTheUnits(n: Int) throws {
        let total = 23
        var seen = [Int](repeating: 0, count: total)
        for k in 0..<n {
            let units = try ShardSpec(index: k, count: n).units(of: total)
            #expect(units == Array(stride(from: k, to: total, by: n)))
            for u in units { seen[u] += 1 }
        }
        #expect(seen == [Int](repeating: 1, count: total))
    }
}

@Suite struct ContentDigestTests {
    /// Published FNV-1a 64 test vectors (Fowler/Noll/Vo reference: "" and "a", "foobar").
    @Test func matchesPublishedVectors() throws {
        #expect(ContentDigest.of(Array("".utf8)) == "cbf29ce484222325")
        #expect(ContentDigest.of(Array("a".utf8)) == "af63dc4c8601ec8c")
        #expect(ContentDigest.of(Array("foobar".utf8)) == "85944171f73967e8")
    }

    @Test func fileDigestEqualsByteDigestAcrossBlocks() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-digest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        try Data(bytes).write(to: url)
        #expect(try ContentDigest.ofFile(url.path) == ContentDigest.of(bytes))
    }
}
