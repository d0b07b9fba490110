import ArgumentParser
import Foundation
import MarsimCheckpoint

/// `--checkpoint DIR`, shared by every command that reads a model.
///
/// Without the option, commands use the checkpoint embedded in the repository,
/// `checkpoints/tiny-llamba-bytes`: first relative to the current directory (running from the
/// repository root, as `make demo` does), else relative to the repository this file was built
/// from, so `swift run marsim …` also works from another directory on the build machine.
public struct CheckpointOptions: ParsableArguments {
    /// The embedded checkpoint, relative to the repository root.
    public static let embeddedCheckpoint = "checkpoints/tiny-llamba-bytes"

    /// The directory given on the command line, if any (see `resolvedDirectory()`).
    @Option(
        help: ArgumentHelp(
            "A Hugging Face checkpoint directory: config.json + *.safetensors (default: \(CheckpointOptions.embeddedCheckpoint)).",
            valueName: "dir"))
    public var checkpoint: String?

    /// A tokenizer.json to use instead of the checkpoint's own (e.g. a Llama-3 tokenizer for a Llamba directory).
    @Option(help: ArgumentHelp("A Hugging Face tokenizer.json to use instead of the checkpoint's own.", valueName: "file"))
    public var tokenizer: String?

    /// Load weights that hold NaN or ±infinity instead of refusing them.
    @Flag(name: .customLong("allow-nonfinite"), help: "Load a checkpoint whose weights hold NaN or ±infinity (refused by default: every result would be meaningless).")
    public var allowNonFinite = false

    public init() {}

    /// The directory to load: `--checkpoint` (relative paths against the current directory), or
    /// the embedded checkpoint in the current directory if it exists there, else in the repository.
    public func resolvedDirectory() -> URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        if let checkpoint {
            let expanded = (checkpoint as NSString).expandingTildeInPath
            return URL(fileURLWithPath: expanded, relativeTo: cwd).standardizedFileURL
        }
        let local = cwd.appendingPathComponent(Self.embeddedCheckpoint)
        if FileManager.default.fileExists(atPath: local.path) { return local.standardizedFileURL }
        return Self.repositoryRoot.appendingPathComponent(Self.embeddedCheckpoint)
    }

    /// Loads the resolved directory (see `Checkpoint.load`); errors are one-line `CheckpointError`s.
    public func load() throws -> Checkpoint {
        let checkpoint = try Checkpoint.load(resolvedDirectory(), allowNonFinite: allowNonFinite)
        if let tokenizer { try TextEncoding.use(tokenizerFile: tokenizer, for: checkpoint) }
        return checkpoint
    }

    /// The repository this file was compiled from: Sources/MarsimCLI/ is two levels below it.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
