import CHDF5

/// An owned HDF5 property list: creation settings for datasets and groups.
///
/// Closed by `deinit` (`H5Pclose`), or by `close()` to see the error.
public struct H5PropertyList: ~Copyable {
    private var id: hid_t
    /// What the settings are for, for error messages.
    public let path: String

    private init(adopting id: hid_t, path: String) {
        self.id = id
        self.path = path
    }

    deinit {
        if id >= 0 { HDF5Library.closeQuietly { [id] in H5Pclose(id) } }
    }

    /// Closes the list now, reporting failure. The corresponding C function is `H5Pclose`.
    public consuming func close() throws {
        let id = self.id
        self.id = -1
        try HDF5Library.status("H5Pclose", path) { H5Pclose(id) }
    }

    /// Runs `body` with the raw identifier, which stays owned by `self`: do not close it.
    public func withUnsafeID<R: ~Copyable>(_ body: (hid_t) throws -> R) rethrows -> R { try body(id) }

    /// Dataset-creation settings that do not record object times, so identical writes give
    /// identical files.
    ///
    /// The corresponding C functions are `H5Pcreate(H5P_DATASET_CREATE)` and `H5Pset_obj_track_times`.
    public static func datasetCreation(path: String = "(dataset)") throws -> H5PropertyList {
        let list = H5PropertyList(adopting: try HDF5Library.id("H5Pcreate", path) { H5Pcreate(marsim_H5P_DATASET_CREATE()) }, path: path)
        try list.disableTimeTracking()
        return list
    }

    /// Group-creation settings that do not record object times.
    ///
    /// The corresponding C functions are `H5Pcreate(H5P_GROUP_CREATE)` and `H5Pset_obj_track_times`.
    public static func groupCreation(path: String = "(group)") throws -> H5PropertyList {
        let list = H5PropertyList(adopting: try HDF5Library.id("H5Pcreate", path) { H5Pcreate(marsim_H5P_GROUP_CREATE()) }, path: path)
        try list.disableTimeTracking()
        return list
    }

    /// Dataset-access settings with a raw-data chunk cache of `chunkCacheBytes` per dataset that
    /// evicts fully written chunks first (`w0` = 1).
    ///
    /// HDF5's default cache is 1 MiB per open dataset and fills up before it evicts anything, so a
    /// writer with many open datasets would hold up to 1 MiB each; an append-only writer needs only
    /// the chunk it is filling. The corresponding C functions are `H5Pcreate(H5P_DATASET_ACCESS)`
    /// and `H5Pset_chunk_cache`.
    public static func datasetAccess(chunkCacheBytes: Int, path: String = "(dataset)") throws -> H5PropertyList {
        let list = H5PropertyList(adopting: try HDF5Library.id("H5Pcreate", path) { H5Pcreate(marsim_H5P_DATASET_ACCESS()) }, path: path)
        try HDF5Library.status("H5Pset_chunk_cache", path) { H5Pset_chunk_cache(list.id, 101, max(0, chunkCacheBytes), 1.0) }
        return list
    }

    private func disableTimeTracking() throws {
        try HDF5Library.status("H5Pset_obj_track_times", path) { H5Pset_obj_track_times(id, false) }
    }

    /// Stores the dataset in chunks of `shape` elements (required for extendable and compressed datasets).
    ///
    /// The corresponding C function is `H5Pset_chunk`.
    public func setChunk(_ shape: [Int]) throws {
        let dims = shape.map { hsize_t(max(1, $0)) }
        try HDF5Library.status("H5Pset_chunk", path) { H5Pset_chunk(id, Int32(dims.count), dims) }
    }

    /// Reorders each chunk's bytes by significance before compression, which helps deflate on
    /// slowly varying integers and floats. The corresponding C function is `H5Pset_shuffle`.
    public func setShuffle() throws {
        try HDF5Library.status("H5Pset_shuffle", path) { H5Pset_shuffle(id) }
    }

    /// Stores integers losslessly in as few bits as each chunk's range needs.
    ///
    /// The corresponding C function is `H5Pset_scaleoffset(H5Z_SO_INT, H5Z_SO_INT_MINBITS_DEFAULT)`.
    public func setScaleOffsetIntegers() throws {
        try HDF5Library.status("H5Pset_scaleoffset", path) {
            H5Pset_scaleoffset(id, H5Z_SO_INT, Int32(H5Z_SO_INT_MINBITS_DEFAULT))
        }
    }

    /// Compresses each chunk with zlib at `level` (0–9). The corresponding C function is `H5Pset_deflate`.
    public func setDeflate(level: Int) throws {
        precondition((0...9).contains(level), "deflate level must be 0…9")
        try HDF5Library.status("H5Pset_deflate", path) { H5Pset_deflate(id, UInt32(level)) }
    }
}
