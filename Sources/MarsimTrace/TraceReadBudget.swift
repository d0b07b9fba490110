import Foundation

/// The most memory one read from a trace may allocate: a quarter of physical memory.
///
/// A reader first bounds every size by what the file really stores
/// (`TraceFileAccess.requireStoredRows`); compressed data can still expand (deflate up to ~1,000×),
/// so a small hostile file could claim a read far larger than memory. Such a read fails with
/// `TraceError.tooLarge` before anything is allocated, instead of the process being killed.
public enum TraceReadBudget {
    /// Bytes one read may allocate.
    public static let maxBytes = Int(clamping: ProcessInfo.processInfo.physicalMemory / 4)

    /// Throws `TraceError.tooLarge` when `elements × elementBytes` exceeds `maxBytes`.
    static func check(elements: Int, elementBytes: Int, path: String, object: String) throws {
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: max(1, elementBytes))
        if overflow || bytes > maxBytes {
            throw TraceError.tooLarge(path: path, reason:
                "reading \(object) would need \(overflow ? "more than \(Int.max)" : "\(bytes)") bytes, more than the \(maxBytes >> 20) MiB allowed at once")
        }
    }
}
