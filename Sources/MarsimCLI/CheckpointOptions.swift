import ArgumentParser
import Foundation
import MarsimCheckpoint

/// `--checkpoint DIR`, defaulting to the embedded tiny-llamba-bytes checkpoint.
public struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A Hugging Face checkpoint directory (config.json + *.safetensors).", valueName: "dir"))
    public var checkpoint: String?

    public init() {}

    /// The embedded default checkpoint, relative to the current directory or to the marsim sources.
    public static var embeddedCheckpoint: URL {
        let relative = "checkpoints/tiny-llamba-bytes"
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(relative)
        if FileManager.default.fileExists(atPath: cwd.path) { return cwd }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(relative)
    }

    /// The directory to load.
    public func resolvedDirectory() -> URL {
        checkpoint.map { URL(fileURLWithPath: $0) } ?? Self.embeddedCheckpoint
    }

    /// Loads the checkpoint.
    public func load() throws -> Checkpoint {
        try Checkpoint.load(resolvedDirectory())
    }
}
