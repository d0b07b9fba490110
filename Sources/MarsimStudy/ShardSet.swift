import Foundation

/// The shards of one study, checked to belong together and to cover it exactly once.
///
/// `load` accepts shard folders (each holding `shard.json`) and folders of shard folders (e.g. a
/// Slurm study's `shards/`), and refuses, each with one line naming the folders involved:
/// shards of different studies (with the settings that differ), a duplicated shard, a missing one
/// (with `missingHint`, e.g. where its log is), a shard whose units are not its share, and any
/// file changed after its shard finished (`ShardManifest.verify`).
public struct ShardSet: Sendable {
    public struct Member: Sendable {
        public var folder: String
        public var manifest: ShardManifest
    }

    /// One member per shard, in shard order.
    public let members: [Member]

    public var study: StudyIdentity { members[0].manifest.study }
    public var count: Int { members[0].manifest.shard.count }

    /// Finds, checks and orders the shards under `paths`.
    public static func load(_ paths: [String], missingHint: (Int) -> String? = { _ in nil }) throws -> ShardSet {
        var found: [Member] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw StudyError("\(path): not a folder (give shard folders, or a folder holding them)")
            }
            if FileManager.default.fileExists(atPath: path + "/" + ShardManifest.fileName) {
                found.append(Member(folder: path, manifest: try ShardManifest.read(from: path)))
                continue
            }
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            let shards = children.map { path + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0 + "/" + ShardManifest.fileName) }
            guard !shards.isEmpty else {
                throw StudyError("\(path): holds no \(ShardManifest.fileName), nor do its subfolders: not a shard of a finished study")
            }
            for shard in shards { found.append(Member(folder: shard, manifest: try ShardManifest.read(from: shard))) }
        }
        guard let first = found.first else { throw StudyError("no shard folders given") }

        for member in found.dropFirst() {
            let differences = member.manifest.study.differences(from: first.manifest.study)
            if !differences.isEmpty || member.manifest.studyHash != first.manifest.studyHash {
                let what = differences.isEmpty ? "study hash \(member.manifest.studyHash) vs \(first.manifest.studyHash)"
                    : differences.prefix(3).joined(separator: ", ") + (differences.count > 3 ? ", …" : "")
                throw StudyError("\(member.folder) and \(first.folder) are shards of different studies (\(what)); merge the shards of one study")
            }
            if member.manifest.shard.count != first.manifest.shard.count {
                throw StudyError("\(member.folder) is shard \(member.manifest.shard) but \(first.folder) is shard \(first.manifest.shard): "
                                 + "the study was split two ways; merge the shards of one split")
            }
        }
        let count = first.manifest.shard.count
        var bySlot = [Member?](repeating: nil, count: count)
        for member in found {
            let k = member.manifest.shard.index
            if let other = bySlot[k] {
                throw StudyError("shard \(member.manifest.shard) appears twice: \(other.folder) and \(member.folder); give each shard once")
            }
            bySlot[k] = member
        }
        let missing = bySlot.indices.filter { bySlot[$0] == nil }
        if let k = missing.first {
            let which = missing.count == 1 ? "shard \(k)/\(count) is missing" : "shards \(missing.map(String.init).joined(separator: ", ")) of \(count) are missing"
            throw StudyError(which + " (found \(found.count) of \(count))" + (missingHint(k).map { "; " + $0 } ?? ""))
        }
        let members = bySlot.map { $0! }
        for member in members {
            let expected = member.manifest.shard.units(of: member.manifest.study.units)
            guard member.manifest.units == expected else {
                throw StudyError("\(member.folder)/\(ShardManifest.fileName): shard \(member.manifest.shard) lists units that are not its share of the study")
            }
            try member.manifest.verify(folder: member.folder)
        }
        return ShardSet(members: members)
    }
}
