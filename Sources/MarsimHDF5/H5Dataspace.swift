import CHDF5

/// An owned HDF5 dataspace: the shape of a dataset or attribute, and optionally a selection in it.
///
/// Closed by `deinit` (`H5Sclose`), or by `close()` to see the error.
public struct H5Dataspace: ~Copyable {
    private var id: hid_t
    /// What the dataspace belongs to, for error messages.
    public let path: String

    /// Takes ownership of a dataspace identifier.
    init(adopting id: hid_t, path: String) {
        self.id = id
        self.path = path
    }

    /// A simple dataspace of `shape`; `maxShape` entries that are nil are unlimited.
    ///
    /// The corresponding C function is `H5Screate_simple`.
    public init(shape: [Int], maxShape: [Int?]? = nil, path: String = "(dataspace)") throws {
        precondition(maxShape == nil || maxShape!.count == shape.count, "maxShape needs one entry per dimension")
        let dims = shape.map { hsize_t($0) }
        let maxDims = maxShape?.map { $0.map { hsize_t($0) } ?? marsim_H5S_UNLIMITED() }
        let id = try HDF5Library.id("H5Screate_simple", path) {
            if let maxDims { return H5Screate_simple(Int32(dims.count), dims, maxDims) }
            return H5Screate_simple(Int32(dims.count), dims, nil)
        }
        self.init(adopting: id, path: path)
    }

    /// A dataspace holding exactly one element.
    ///
    /// The corresponding C function is `H5Screate(H5S_SCALAR)`.
    public static func scalar(path: String = "(dataspace)") throws -> H5Dataspace {
        H5Dataspace(adopting: try HDF5Library.id("H5Screate", path) { H5Screate(H5S_SCALAR) }, path: path)
    }

    deinit {
        if id >= 0 { HDF5Library.closeQuietly { [id] in H5Sclose(id) } }
    }

    /// Closes the dataspace now, reporting failure. The corresponding C function is `H5Sclose`.
    public consuming func close() throws {
        let id = self.id
        self.id = -1
        try HDF5Library.status("H5Sclose", path) { H5Sclose(id) }
    }

    /// Runs `body` with the raw identifier, which stays owned by `self`: do not close it.
    public func withUnsafeID<R: ~Copyable>(_ body: (hid_t) throws -> R) rethrows -> R { try body(id) }

    /// The current extent; `[]` for a scalar dataspace.
    ///
    /// The corresponding C function is `H5Sget_simple_extent_dims`.
    public func shape() throws -> [Int] {
        let rank = try HDF5Library.count("H5Sget_simple_extent_ndims", path) { H5Sget_simple_extent_ndims(id) }
        guard rank > 0 else { return [] }
        guard rank <= 32 else {
            throw HDF5Error(function: "H5Sget_simple_extent_ndims", path: path, message: "rank \(rank) exceeds HDF5's limit of 32")
        }
        var dims = [hsize_t](repeating: 0, count: rank)
        _ = try HDF5Library.count("H5Sget_simple_extent_dims", path) { H5Sget_simple_extent_dims(id, &dims, nil) }
        return try dims.map { dim in
            guard let value = Int(exactly: dim) else {
                throw HDF5Error(function: "H5Sget_simple_extent_dims", path: path, message: "dimension \(dim) is too large")
            }
            return value
        }
    }

    /// The number of elements in the extent (1 for a scalar dataspace).
    ///
    /// The corresponding C function is `H5Sget_simple_extent_npoints`.
    public func elementCount() throws -> Int {
        try HDF5Library.count("H5Sget_simple_extent_npoints", path) { H5Sget_simple_extent_npoints(id) }
    }

    /// Selects the block starting at `start` with extent `count` (one entry per dimension).
    ///
    /// The corresponding C function is `H5Sselect_hyperslab(H5S_SELECT_SET)`.
    public func selectBlock(start: [Int], count: [Int]) throws {
        let start = start.map { hsize_t($0) }
        let count = count.map { hsize_t($0) }
        try HDF5Library.status("H5Sselect_hyperslab", path) {
            H5Sselect_hyperslab(id, H5S_SELECT_SET, start, nil, count, nil)
        }
    }
}
