import CHDF5

/// An open HDF5 file (owned; closed by `deinit` with `H5Fclose`, or by `close()` to see the error).
///
/// The file is also its root group: create and open members through `H5Container`.
/// Files use HDF5's default (earliest) format and no SWMR, so a file whose writer was killed
/// after an `H5Fflush` still opens normally with every flushed element (see SWIFT-NOTES.md).
///
/// Objects opened from a file keep it open until they are closed too (HDF5's weak close).
public struct H5File: ~Copyable, H5Container {
    /// What to do when creating over an existing file.
    public enum CreateMode: Sendable {
        /// Replace it. The corresponding C constant is `H5F_ACC_TRUNC`.
        case truncate
        /// Fail. The corresponding C constant is `H5F_ACC_EXCL`.
        case failIfExists
    }

    /// How an existing file is opened.
    public enum AccessMode: Sendable {
        /// The corresponding C constant is `H5F_ACC_RDONLY`.
        case readOnly
        /// The corresponding C constant is `H5F_ACC_RDWR`.
        case readWrite
    }

    private var id: hid_t
    public let filePath: String
    public var objectPath: String { "/" }

    /// Creates a file at `path`. The corresponding C function is `H5Fcreate`.
    public init(creating path: String, mode: CreateMode = .truncate) throws {
        let flags = mode == .truncate ? marsim_H5F_ACC_TRUNC() : marsim_H5F_ACC_EXCL()
        filePath = path
        id = try HDF5Library.id("H5Fcreate", path) { H5Fcreate(path, flags, marsim_H5P_DEFAULT(), marsim_H5P_DEFAULT()) }
    }

    /// Opens the existing file at `path`. The corresponding C function is `H5Fopen`.
    public init(opening path: String, mode: AccessMode = .readOnly) throws {
        let flags = mode == .readOnly ? marsim_H5F_ACC_RDONLY() : marsim_H5F_ACC_RDWR()
        filePath = path
        id = try HDF5Library.id("H5Fopen", path) { H5Fopen(path, flags, marsim_H5P_DEFAULT()) }
    }

    deinit {
        if id >= 0 { HDF5Library.closeQuietly { [id] in H5Fclose(id) } }
    }

    /// Closes the file now, reporting failure. The corresponding C function is `H5Fclose`.
    public consuming func close() throws {
        let id = self.id
        self.id = -1
        try HDF5Library.status("H5Fclose", filePath) { H5Fclose(id) }
    }

    public func withUnsafeID<R: ~Copyable>(_ body: (hid_t) throws -> R) rethrows -> R { try body(id) }

    /// Whether `path` is a readable file with an HDF5 signature (false when missing or unreadable).
    ///
    /// The corresponding C function is `H5Fis_hdf5`.
    public static func isHDF5(_ path: String) -> Bool {
        (HDF5Library.attempt(failed: { $0 < 0 }) { H5Fis_hdf5(path) } ?? 0) > 0
    }

    /// Writes every buffered change of this file to the operating system (not `fsync`): after it
    /// returns, a killed process leaves a file that opens with everything written so far.
    ///
    /// The corresponding C function is `H5Fflush(H5F_SCOPE_LOCAL)`.
    public func flush() throws {
        try HDF5Library.status("H5Fflush", filePath) { H5Fflush(id, H5F_SCOPE_LOCAL) }
    }

    /// The file's size in bytes as HDF5 accounts it. The corresponding C function is `H5Fget_filesize`.
    public func byteCount() throws -> Int {
        var size: hsize_t = 0
        try HDF5Library.status("H5Fget_filesize", filePath) { H5Fget_filesize(id, &size) }
        return Int(size)
    }
}
