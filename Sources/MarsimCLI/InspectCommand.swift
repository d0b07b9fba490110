import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimCore

/// `marsim inspect`: what a checkpoint holds, and what marsim will do with it.
///
/// The checkpoint is loaded exactly as the simulating commands load it, so a checkpoint that
/// inspects cleanly will run, and one that does not fails here with the same one-line error.
public struct InspectCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a checkpoint: architecture, shape, tensors, and how marsim will simulate it.",
        discussion: """
            Loads the checkpoint the way `marsim simulate` does (every tensor's shape is checked against \
            config.json, every weight is widened to fp32) and reports: the adapter and the config's \
            architectures/model_type; parameter count, stored bytes and dtypes; the shape (D, layers, \
            vocabulary, heads × head_dim, groups, state, conv kernel, MLP width, tied head); every \
            tensor's name, shape, dtype and size; the spiking sites of each block (the inputs of \
            mixer.in_proj, mixer.out_proj and, in blocks with an MLP, mlp.gate_up_proj and \
            mlp.down_proj become ATMN neurons); the parts that stay dense; and the tokenizer.

            A checkpoint that cannot be loaded gives one line naming the file and the problem.

            Examples:
              marsim inspect                        # the embedded checkpoint
              marsim inspect --checkpoint Tests/Fixtures/tiny-mamba2-bytes
              marsim inspect --checkpoint DIR --json | jq .shape
            """)

    /// `--checkpoint DIR` (default: the embedded checkpoint).
    @OptionGroup public var checkpointOptions: CheckpointOptions

    /// Print `InspectReport` as JSON rather than text.
    @Flag(help: "Print the report as JSON (sorted keys) instead of text.")
    public var json = false

    public init() {}

    /// Loads the checkpoint and prints the report; a load failure is thrown as its one-line
    /// `CheckpointError`, which ArgumentParser prints as `Error: <file>: <problem>`.
    public mutating func run() throws {
        let report = try InspectReport(checkpoint: checkpointOptions.load())
        print(json ? try report.jsonText() : report.text())
    }
}
