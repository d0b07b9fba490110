import MarsimHDF5

/// Damages or edits a trace in place for tests, through the HDF5 layer.
enum TraceSurgery {
    static func edit(_ path: String, _ body: (borrowing H5File) throws -> Void) throws {
        let file = try H5File(opening: path, mode: .readWrite)
        try body(file)
        try file.flush()
        try file.close()
    }
}
