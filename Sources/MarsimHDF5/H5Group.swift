import CHDF5

/// An open HDF5 group (owned; closed by `deinit` with `H5Gclose`, or by `close()` to see the error).
public struct H5Group: ~Copyable, H5Container {
    private var id: hid_t
    public let filePath: String
    public let objectPath: String

    init(adopting id: hid_t, filePath: String, objectPath: String) {
        self.id = id
        self.filePath = filePath
        self.objectPath = objectPath
    }

    deinit {
        if id >= 0 { HDF5Library.closeQuietly { [id] in H5Gclose(id) } }
    }

    /// Closes the group now, reporting failure. The corresponding C function is `H5Gclose`.
    public consuming func close() throws {
        let id = self.id
        self.id = -1
        try HDF5Library.status("H5Gclose", location) { H5Gclose(id) }
    }

    public func withUnsafeID<R: ~Copyable>(_ body: (hid_t) throws -> R) rethrows -> R { try body(id) }
}
