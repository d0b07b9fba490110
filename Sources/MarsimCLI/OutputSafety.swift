import Foundation
import MarsimCore

extension OutputPlan {
    /// Records the checkpoint directory's files (weights, config, tokenizer, sidecars) and a
    /// `--tokenizer` file as inputs: no output may replace them.
    mutating func inputs(_ options: CheckpointOptions) {
        inputDirectory(options.resolvedDirectory().path, "checkpoint")
        input(options.tokenizer, "--tokenizer file")
    }
}
