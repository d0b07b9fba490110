import Foundation

/// Streams one F32 matrix to a safetensors file row by row, so a long run never holds it whole.
///
/// The shape is fixed up front (the header precedes the data); `append(row:)` writes rows in order
/// and `finish()` checks that exactly `rows` were written.
public final class SafetensorsMatrixWriter {
    public let path: String
    public let name: String
    public let rows: Int
    public let columns: Int
    private let handle: FileHandle
    private var written = 0

    /// Creates `path` (failing at once if it cannot be written) with a header for `name` [rows, columns] F32.
    public init(path: String, name: String, rows: Int, columns: Int) throws {
        self.path = path
        self.name = name
        self.rows = rows
        self.columns = columns
        let bytes = rows * columns * 4
        var header = #"{"\#(name)":{"dtype":"F32","shape":[\#(rows),\#(columns)],"data_offsets":[0,\#(bytes)]}}"#
        // Pad the header with spaces to a multiple of 8 bytes, as the reference writer does.
        while (8 + header.utf8.count) % 8 != 0 { header += " " }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "cannot create the file (check the directory exists and is writable)")
        }
        self.handle = handle
        var length = UInt64(header.utf8.count).littleEndian
        try handle.write(contentsOf: Data(bytes: &length, count: 8))
        try handle.write(contentsOf: Data(header.utf8))
    }

    /// Appends the next row (`columns` values).
    public func append(row: [Float]) throws {
        precondition(row.count == columns && written < rows)
        let data = row.withUnsafeBufferPointer { Data(buffer: $0) }
        try handle.write(contentsOf: data)
        written += 1
    }

    /// Closes the file; fails if fewer rows than announced were written.
    public func finish() throws {
        try handle.close()
        guard written == rows else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "only \(written) of \(rows) rows were written")
        }
    }
}
