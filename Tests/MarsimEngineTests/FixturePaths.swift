import Foundation

/// Paths to the fixtures committed in the repository (never ../shared).
enum FixturePaths {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The embedded default checkpoint.
    static let tinyLlambaBytes = repoRoot.appendingPathComponent("checkpoints/tiny-llamba-bytes")
    static let tinyMamba2Bytes = repoRoot.appendingPathComponent("Tests/Fixtures/tiny-mamba2-bytes")
    static let tinyLlambaCartesia = repoRoot.appendingPathComponent("Tests/Fixtures/tiny-llamba-cartesia")
}
