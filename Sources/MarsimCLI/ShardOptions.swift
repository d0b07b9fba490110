import ArgumentParser
import MarsimStudy

/// `--shard K/N`: run only this shard's deterministic share of a study (`ShardSpec`).
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run only shard K of N (0-based K) and write it as a shard for `marsim merge`.", valueName: "K/N"))
    var shard: String?

    func validate() throws {
        if let shard {
            do { _ = try ShardSpec(parsing: shard) } catch let error as StudyError { throw ValidationError(error.description) }
        }
    }

    /// The shard asked for, or nil for the whole study.
    func spec() throws -> ShardSpec? { try shard.map { try ShardSpec(parsing: $0) } }
}
