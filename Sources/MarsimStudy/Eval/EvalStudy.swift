import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimReport

/// An eval split into shards: a shard writes its items' record (`eval-shard.json`) and its
/// manifest; the merge joins the records and writes the unsharded run's `results.json`.
public enum EvalStudy {
    public static let shardFile = "eval-shard.json"

    public static func writeShard(_ data: EvalRunData, study: StudyIdentity, shard: ShardSpec, folder: String) throws {
        try OutputTarget.createDirectories(folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try AtomicOutputFile.write(String(decoding: try encoder.encode(data), as: UTF8.self), to: folder + "/" + shardFile, label: "shard results")
        try ShardManifest(study: study, shard: shard, folder: folder, files: [shardFile]).write(to: folder)
        note("wrote shard \(shard) of a \(study.units)-item eval to \(folder); merge with: marsim merge --out DIR SHARD_DIR...")
    }

    public static func merge(_ set: ShardSet, out: String) throws {
        let parts = try set.members.map { member -> EvalRunData in
            let path = member.folder + "/" + shardFile
            guard member.manifest.files[shardFile] != nil else {
                throw StudyError("\(member.folder)/\(ShardManifest.fileName): lists no \(shardFile); not an eval shard")
            }
            do { return try JSONDecoder().decode(EvalRunData.self, from: try InputFile.read(path, label: "shard results")) } catch {
                throw StudyError("\(path): not an eval shard's results (\(CLIError.describe(error)))")
            }
        }
        let whole = try EvalRunData.merged(parts)
        for task in whole.tasks {
            for model in [task.dense].compactMap({ $0 }) + task.spiking where model.items.map(\.index) != Array(0..<task.studyItems) {
                throw StudyError("the shards' items of task \(task.name) are not items 0…\(task.studyItems - 1) once each")
            }
        }
        try EvalResultsFile.write(whole, to: out)
    }
}
