import Foundation
import MarsimCore
import MarsimPlot
import MarsimTrace

extension OutputPlan {
    /// Records the checkpoint directory's files (weights, config, tokenizer, sidecars) and a
    /// `--tokenizer` file as inputs: no output may replace them.
    mutating func inputs(_ options: CheckpointOptions) {
        inputDirectory(options.resolvedDirectory().path, "checkpoint")
        input(options.tokenizer, "--tokenizer file")
    }

    /// Records a trace output: the file and its journal (`<file>.partial`).
    mutating func trace(_ path: String?, _ label: String) {
        output(path, label, companions: [TraceWriter.journalSuffix])
    }
}

extension SVGDocument {
    /// Writes the rendered SVG through a temporary file renamed over `path` (`AtomicOutputFile`):
    /// never through a symbolic link or over a device, never half-written.
    func writeSafely(to path: String, label: String = "plot") throws {
        try AtomicOutputFile.write(render(), to: path, label: label)
    }
}
