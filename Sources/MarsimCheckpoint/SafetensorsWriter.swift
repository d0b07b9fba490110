import Foundation
import MarsimCore

/// Streams one F32 matrix to a safetensors file row by row, so a long run never holds it whole.
///
/// The file is written under a temporary name beside `path` (`AtomicOutputFile`) and renamed over
/// `path` only by `finish()`: a run that fails, runs out of disk or is killed never leaves a
/// truncated file at `path`, nor damages what was there. The shape is announced up front (the
/// header precedes the data); `finish(rowsWritten:)` may end with fewer rows (a run stopped early),
/// rewriting the header in place with the real row count.
public final class SafetensorsMatrixWriter {
    public let path: String
    public let name: String
    public let rows: Int
    public let columns: Int
    private let file: AtomicOutputFile
    private let headerLength: Int
    private var written = 0

    /// Checks `path` (see `OutputTarget`), creates the temporary file and writes a header for
    /// `name` [rows, columns] F32. Errors about the file are `OutputFileError`s (one line, naming it).
    public init(path: String, name: String, rows: Int, columns: Int) throws {
        self.path = path
        self.name = name
        self.rows = rows
        self.columns = columns
        guard rows >= 0, columns >= 0, case let (elements, false) = rows.multipliedReportingOverflow(by: columns),
              case (_, false) = elements.multipliedReportingOverflow(by: 4) else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "cannot write a [\(rows), \(columns)] F32 tensor (too large)")
        }
        let header = Self.header(name: name, rows: rows, columns: columns, minimumLength: 0)
        headerLength = header.utf8.count
        file = try AtomicOutputFile(path: path, label: "logits file")
        var length = UInt64(headerLength).littleEndian
        try file.write(Data(bytes: &length, count: 8))
        try file.write(header)
    }

    /// The JSON header, padded with spaces to a multiple of 8 bytes (as the reference writer does)
    /// and to at least `minimumLength`.
    private static func header(name: String, rows: Int, columns: Int, minimumLength: Int) -> String {
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        var header = #"{"\#(escaped)":{"dtype":"F32","shape":[\#(rows),\#(columns)],"data_offsets":[0,\#(rows * columns * 4)]}}"#
        while (8 + header.utf8.count) % 8 != 0 || header.utf8.count < minimumLength { header += " " }
        return header
    }

    /// Appends the next row (`columns` values).
    public func append(row: [Float]) throws {
        guard row.count == columns, written < rows else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "row \(written) has \(row.count) values for \(columns) columns (of \(rows) rows)")
        }
        try row.withUnsafeBytes { try file.write($0) }
        written += 1
    }

    /// Finishes the file and renames it over `path`. Fails if fewer rows than announced were
    /// written, unless `allowFewerRows` (then the header is rewritten with the rows written).
    public func finish(allowFewerRows: Bool = false) throws {
        if written < rows {
            guard allowFewerRows else {
                file.discard()
                throw CheckpointError.malformedSafetensors(path: path, reason: "only \(written) of \(rows) rows were written")
            }
            let header = Self.header(name: name, rows: written, columns: columns, minimumLength: headerLength)
            try file.rewrite(Array(header.utf8), at: 8, truncatingTo: 8 + headerLength + written * columns * 4)
        }
        try file.commit()
    }

    /// Removes the temporary file; `path` stays as it was.
    public func discard() { file.discard() }
}
