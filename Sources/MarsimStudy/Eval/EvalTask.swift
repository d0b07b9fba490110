import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimReport

/// One task of an eval: its file and its items (after `--limit`), tokenized for the checkpoint.
public struct EvalTask {
    /// The task's name: the file's name without `.jsonl` (lm-eval's task key).
    public var name: String
    public var file: String
    /// Items in the file, and the study's items (the first `--limit` of them).
    public var fileItems: Int
    public var items: [TokenizedChoiceItem]

    public init(name: String, file: String, fileItems: Int, items: [TokenizedChoiceItem]) {
        self.name = name
        self.file = file
        self.fileItems = fileItems
        self.items = items
    }

    public static func name(of file: String) -> String { URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent }

    public static func load(_ file: String, limit: Int?, checkpoint: Checkpoint) throws -> EvalTask {
        let all = try MultipleChoiceItem.load(jsonl: URL(fileURLWithPath: file))
        let items = limit.map { Array(all.prefix($0)) } ?? all
        return EvalTask(name: name(of: file), file: file, fileItems: all.count,
                        items: try items.map { try TextEncoding.tokenizeChoiceItem($0, checkpoint: checkpoint) })
    }

    /// Per task, the indices of the items a shard scores (all without one): the study's work units
    /// are every task's items in order, task after task, so shards share tasks as well as items.
    public static func share(of tasks: [EvalTask], shard: ShardSpec?) -> [[Int]] {
        var start = 0
        return tasks.map { task in
            defer { start += task.items.count }
            return task.items.indices.filter { shard?.owns(start + $0) ?? true }
        }
    }
}
