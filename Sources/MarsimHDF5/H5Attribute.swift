import CHDF5

/// An open attribute (owned; closed by `deinit` with `H5Aclose`). Internal: the public API is the
/// attribute methods on `H5Object`.
struct H5Attribute: ~Copyable {
    private var id: hid_t
    let path: String

    /// Opens attribute `name` of the object `owner`. The corresponding C function is `H5Aopen`.
    init(opening name: String, on owner: hid_t, path: String) throws {
        self.path = path
        self.id = try HDF5Library.id("H5Aopen", path) { H5Aopen(owner, name, marsim_H5P_DEFAULT()) }
    }

    /// Creates attribute `name` on `owner`. The corresponding C function is `H5Acreate2`.
    init(creating name: String, on owner: hid_t, type: hid_t, space: borrowing H5Dataspace, path: String) throws {
        self.path = path
        self.id = try space.withUnsafeID { space in
            try HDF5Library.id("H5Acreate2", path) {
                H5Acreate2(owner, name, type, space, marsim_H5P_DEFAULT(), marsim_H5P_DEFAULT())
            }
        }
    }

    deinit {
        if id >= 0 { HDF5Library.closeQuietly { [id] in H5Aclose(id) } }
    }

    var rawID: hid_t { id }

    /// The attribute's stored type. The corresponding C function is `H5Aget_type`.
    func datatype() throws -> H5Datatype {
        H5Datatype(adopting: try HDF5Library.id("H5Aget_type", path) { H5Aget_type(id) }, path: path)
    }

    /// The attribute's shape. The corresponding C function is `H5Aget_space`.
    func dataspace() throws -> H5Dataspace {
        H5Dataspace(adopting: try HDF5Library.id("H5Aget_space", path) { H5Aget_space(id) }, path: path)
    }

    /// Writes `bytes` as elements of memory type `type`. The corresponding C function is `H5Awrite`.
    func write(type: hid_t, _ bytes: UnsafeRawPointer) throws {
        try HDF5Library.status("H5Awrite", path) { H5Awrite(id, type, bytes) }
    }

    /// Reads the whole attribute into `bytes` as memory type `type`. The corresponding C function is `H5Aread`.
    func read(type: hid_t, into bytes: UnsafeMutableRawPointer) throws {
        try HDF5Library.status("H5Aread", path) { H5Aread(id, type, bytes) }
    }
}

