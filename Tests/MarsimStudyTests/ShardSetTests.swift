import Foundation
import MarsimStudy
import MarsimTestSupport
import Testing

/// Merges refuse every way shards can fail to make one study, each with one line naming it.
@Suite struct ShardSetTests {
    let study = StudyIdentity(kind: "whatif", parameters: ["timesteps": "1,2", "text_digest": "00ff"], units: 5)

    /// Writes shard `k` of `n` of `study` into `root/shard-k` with one data file.
    func writeShard(_ root: URL, _ k: Int, _ n: Int, study: StudyIdentity? = nil, name: String? = nil) throws -> String {
        let folder = root.appendingPathComponent(name ?? "shard-\(k)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("data of shard \(k)\n".utf8).write(to: URL(fileURLWithPath: folder + "/rows.json"))
        try ShardManifest(study: study ?? self.study, shard: try ShardSpec(index: k, count: n), folder: folder, files: ["rows.json"]).write(to: folder)
        return folder
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    @Test func loadsAFolderOfShardsInShardOrder() throws {
        let dir = try TemporaryDirectory("shards")
        defer { dir.remove() }
        for k in [2, 0, 1] { _ = try writeShard(dir.url, k, 3) }
        let set = try ShardSet.load([dir.url.path])
        #expect(set.members.map(\.manifest.shard.index) == [0, 1, 2])
        #expect(set.members.map(\.manifest.units) == [[0, 3], [1, 4], [2]])
        #expect(set.study == study)
    }

    @Test func refusesShardsOfDifferentStudies() throws {
        let dir = try TemporaryDirectory("shards")
        defer { dir.remove() }
        var other = study
        other.parameters["timesteps"] = "1,4"
        let a = try writeShard(dir.url, 0, 2)
        let b = try writeShard(dir.url, 1, 2, study: other)
        let text = message { _ = try ShardSet.load([a, b]) }
        #expect(text.contains("shards of different studies") && text.contains("timesteps (1,4 vs 1,2)"), "\(text)")
        #expect(!text.contains("\n"))
    }

    @Test func refusesAStudySplitTwoWays() throws {
        let dir = try TemporaryDirectory("shards")
        defer { dir.remove() }
        let a = try writeShard(dir.url, 0, 2)
        let b = try writeShard(dir.url, 1, 3)
        #expect(message { _ = try ShardSet.load([a, b]) }.contains("split two ways"))
    }

    @Test func refusesAMissingShardWithTheHint() throws {
        let dir = try TemporaryDirectory("shards")
        defer { dir.remove() }
        _ = try writeShard(dir.url, 0, 3)
        _ = try writeShard(dir.url, 2, 3)
        let text = message { _ = try ShardSet.load([dir.url.path], missingHint: { "its log is log-\($0)" }) }
        #expect(text == "shard 1/3 is missing (found 2 of 3); its log is log-1", "\(text)")
    }

    @Test func refusesADuplicatedShard() throws {
        let dir = try TemporaryDirectory("shards")
        defer { dir.remove() }
        let a = try writeShard(dir.url, 0, 2)
        let copy = try writeShard(dir.url, 0, 2, name: "copy-of-0")
        let b = try writeShard(dir.url, 1, 2)
        let text = message { _ = try ShardSet.load([a, b, copy]) }
        #expect(text.contains("shard 0/2 appears twice") && text.contains("copy-of-0"), "\(text)")
    }

    @Test func refusesAFileChangedAfterTheShardFinished() throws {
        let dir = try TemporaryDirectory("shards")
        defer { dir.remove() }
        let a = try writeShard(dir.url, 0, 2)
        _ = try writeShard(dir.url, 1, 2)
        let handle = try #require(FileHandle(forWritingAtPath: a + "/rows.json"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(" ".utf8))
        try handle.close()
        let text = message { _ = try ShardSet.load([dir.url.path]) }
        #expect(text.contains(a + "/rows.json: changed after shard 0/2 finished"), "\(text)")
    }

    @Test func refusesAnEditedManifest() throws {
        let dir = try TemporaryDirectory("shards")
        defer { dir.remove() }
        let a = try writeShard(dir.url, 0, 1)
        let path = a + "/" + ShardManifest.fileName
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"1,2\"", with: "\"1,8\"")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(message { _ = try ShardSet.load([a]) }.contains("no longer matches its recorded hash"))
    }

    @Test func refusesAFolderWithoutShards() throws {
        let dir = try TemporaryDirectory("shards")
        defer { dir.remove() }
        #expect(message { _ = try ShardSet.load([dir.url.path]) }.contains("holds no shard.json"))
    }
}
