import MarsimCore
import MarsimPlot
import MarsimTrace

extension OutputPlan {
    /// Records a trace output: the file and its journal (`<file>.partial`).
    public mutating func trace(_ path: String?, _ label: String) {
        output(path, label, companions: [TraceWriter.journalSuffix])
    }
}

extension SVGDocument {
    /// Writes the rendered SVG through a temporary file renamed over `path` (`AtomicOutputFile`):
    /// never through a symbolic link or over a device, never half-written.
    public func writeSafely(to path: String, label: String = "plot") throws {
        try AtomicOutputFile.write(render(), to: path, label: label)
    }
}
