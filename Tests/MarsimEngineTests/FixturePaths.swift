import Foundation

/// Paths to the fixtures committed in the repository (never ../shared).
enum FixturePaths {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The embedded default checkpoint.
    static let tinyLlambaBytes = repoRoot.appendingPathComponent("checkpoints/tiny-llamba-bytes")
    static let tinyMamba2Bytes = repoRoot.appendingPathComponent("Tests/Fixtures/tiny-mamba2-bytes")
    /// A random attention-free Bamba with n_groups = 4 (per-group gated RMSNorm), goldens from transformers 5.24.
    static let tinyBambaGroups4 = repoRoot.appendingPathComponent("Tests/Fixtures/tiny-bamba-groups4")
    static let tinyLlambaCartesia = repoRoot.appendingPathComponent("Tests/Fixtures/tiny-llamba-cartesia")
}
