import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimReport
import MarsimStudy

/// `--checkpoint DIR`, shared by every command that reads a model.
///
/// Without the option, commands use the embedded checkpoint, `checkpoints/tiny-llamba-bytes`,
/// found like every shipped resource (`ShippedResources`): `$MARSIM_HOME`, the current directory,
/// then beside the executable (an install prefix's `share/marsim`, or the clone it was built in).
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
    /// the embedded checkpoint where `ShippedResources` finds it (else where `$MARSIM_HOME` or the
    /// current directory would hold it, so the load error names a path).
    public func resolvedDirectory() -> URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        if let checkpoint {
            let expanded = (checkpoint as NSString).expandingTildeInPath
            return URL(fileURLWithPath: expanded, relativeTo: cwd).standardizedFileURL
        }
        let resources = ShippedResources.current
        return (resources.locate(Self.embeddedCheckpoint) ?? resources.homes[0].appendingPathComponent(Self.embeddedCheckpoint))
            .standardizedFileURL
    }

    /// Loads the resolved directory (see `Checkpoint.load`); errors are one-line `CheckpointError`s.
    public func load() throws -> Checkpoint {
        if checkpoint == nil {
            let resources = ShippedResources.current
            guard resources.locate(Self.embeddedCheckpoint) != nil else {
                throw CLIError(resources.notFound(Self.embeddedCheckpoint, what: "the embedded checkpoint", option: "--checkpoint DIR"))
            }
        }
        let checkpoint = try Checkpoint.load(resolvedDirectory(), allowNonFinite: allowNonFinite)
        if let tokenizer { try TextEncoding.use(tokenizerFile: tokenizer, for: checkpoint) }
        return checkpoint
    }
}
