import Foundation
@testable import MarsimCheckpoint
import MarsimTestSupport

/// Loads `files` from a fresh temporary directory.
func loadWritten(_ files: CheckpointFiles, shards: Int = 1) throws -> Checkpoint {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    try files.write(to: dir.url, shards: shards)
    return try Checkpoint.load(dir.url)
}
