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

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init(_ label: String = "ckpt") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("marsim-tests-\(UUID().uuidString.prefix(8))")
            .appendingPathComponent(label)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}
