import MarsimTestSupport
import Foundation

/// Paths to the fixtures committed in the repository, found from this file's location.
enum FixturePaths {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The embedded default checkpoint (BambaForCausalLM, f32).
    static let tinyLlambaBytes = repoRoot.appendingPathComponent("checkpoints/tiny-llamba-bytes")
    /// A Mamba2ForCausalLM checkpoint (f32, untied head, `{"__float__": "Infinity"}` in time_step_limit).
    static let tinyMamba2Bytes = repoRoot.appendingPathComponent("Tests/Fixtures/tiny-mamba2-bytes")
}
