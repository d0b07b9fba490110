import CHDF5

/// Members of a file's root or a group: creating, opening, listing and removing groups and datasets.
///
/// Names are relative to this container and may contain `/` (`spikes/layer00.mixer.in_proj`);
/// a name starting with `/` is absolute within the file.
extension H5Container where Self: ~Copyable {
    /// Creates the group `name` (its parent must exist). Object times are not recorded.
    ///
    /// The corresponding C function is `H5Gcreate2`.
    public func createGroup(_ name: String) throws -> H5Group {
        let location = childLocation(name)
        let settings = try H5PropertyList.groupCreation(path: location)
        let id = try settings.withUnsafeID { gcpl in
            try HDF5Library.id("H5Gcreate2", location) {
                H5Gcreate2(unsafeID, name, marsim_H5P_DEFAULT(), gcpl, marsim_H5P_DEFAULT())
            }
        }
        return H5Group(adopting: id, filePath: filePath, objectPath: childPath(name))
    }

    /// Opens the existing group `name`. The corresponding C function is `H5Gopen2`.
    public func openGroup(_ name: String) throws -> H5Group {
        let id = try HDF5Library.id("H5Gopen2", childLocation(name)) { H5Gopen2(unsafeID, name, marsim_H5P_DEFAULT()) }
        return H5Group(adopting: id, filePath: filePath, objectPath: childPath(name))
    }

    /// Opens the existing dataset `name`. The corresponding C function is `H5Dopen2`.
    public func openDataset(_ name: String) throws -> H5Dataset {
        let id = try HDF5Library.id("H5Dopen2", childLocation(name)) { H5Dopen2(unsafeID, name, marsim_H5P_DEFAULT()) }
        return H5Dataset(adopting: id, filePath: filePath, objectPath: childPath(name))
    }

    /// Whether a link `name` exists, checking each component of a path in turn (so a missing
    /// parent is `false`, not an error). The corresponding C function is `H5Lexists`.
    public func contains(_ name: String) throws -> Bool {
        var prefix = name.hasPrefix("/") ? "/" : ""
        for component in name.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix == "/" ? "" : "/") + component
            let path = prefix
            guard try HDF5Library.truth("H5Lexists", childLocation(path), { H5Lexists(unsafeID, path, marsim_H5P_DEFAULT()) }) else {
                return false
            }
        }
        return true
    }

    /// What the link `name` leads to, or nil when there is no such link.
    ///
    /// The corresponding C functions are `H5Oopen`, `H5Iget_type` and `H5Oclose`.
    public func kind(of name: String) throws -> H5ObjectKind? {
        guard try contains(name) else { return nil }
        let location = childLocation(name)
        let id = try HDF5Library.id("H5Oopen", location) { H5Oopen(unsafeID, name, marsim_H5P_DEFAULT()) }
        defer { HDF5Library.closeQuietly { H5Oclose(id) } }
        let type = try HDF5Library.call("H5Iget_type", location, failed: { $0 == H5I_BADID }) { H5Iget_type(id) }
        switch type {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        case H5I_DATATYPE: return .datatype
        default: return .other
        }
    }

    /// The names of this container's members, in name order.
    ///
    /// The corresponding C functions are `H5Gget_info` and `H5Lget_name_by_idx`.
    public func memberNames() throws -> [String] {
        var info = H5G_info_t()
        try HDF5Library.status("H5Gget_info", location) { H5Gget_info(unsafeID, &info) }
        var names: [String] = []
        names.reserveCapacity(Int(info.nlinks))
        for index in 0..<info.nlinks {
            let length = try HDF5Library.count("H5Lget_name_by_idx", location) {
                H5Lget_name_by_idx(unsafeID, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, marsim_H5P_DEFAULT())
            }
            var buffer = [CChar](repeating: 0, count: length + 1)
            _ = try HDF5Library.count("H5Lget_name_by_idx", location) {
                H5Lget_name_by_idx(unsafeID, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, marsim_H5P_DEFAULT())
            }
            names.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Removes the link `name` (the object's space is not reclaimed in the file).
    ///
    /// The corresponding C function is `H5Ldelete`.
    public func removeMember(_ name: String) throws {
        try HDF5Library.status("H5Ldelete", childLocation(name)) { H5Ldelete(unsafeID, name, marsim_H5P_DEFAULT()) }
    }

    /// Creates a fixed-size dataset of `shape` (default: one dimension of `values.count`) holding `values`
    /// in row-major order, stored little-endian and uncompressed.
    ///
    /// The corresponding C functions are `H5Dcreate2` and `H5Dwrite`.
    @discardableResult
    public func createDataset<T: H5Scalar>(_ name: String, values: [T], shape: [Int]? = nil) throws -> H5Dataset {
        let shape = shape ?? [values.count]
        precondition(shape.reduce(1, *) == values.count, "dataset \(name): \(values.count) values do not fill shape \(shape)")
        let dataset = try createDataset(name, fileType: T.h5Kind.fileType, shape: shape, maxShape: nil, chunk: nil, compression: .none)
        try dataset.write(values)
        return dataset
    }

    /// Creates a one-dimensional dataset of variable-length UTF-8 strings holding `strings`.
    ///
    /// The corresponding C functions are `H5Dcreate2` and `H5Dwrite`.
    @discardableResult
    public func createDataset(_ name: String, strings: [String]) throws -> H5Dataset {
        let type = try H5Datatype.utf8String(path: childLocation(name))
        let dataset = try type.withUnsafeID { type in
            try createDataset(name, fileType: type, shape: [strings.count], maxShape: nil, chunk: nil, compression: .none)
        }
        try dataset.write(strings: strings)
        return dataset
    }

    /// Creates an empty dataset that grows along its first dimension: shape `[0] + rowShape`,
    /// maximum `[unlimited] + rowShape`, stored in chunks of `chunkRows` rows with `compression`.
    /// Grow it with `H5Dataset.append(_:)`. `chunkCacheBytes` bounds this dataset's chunk cache
    /// while it stays open (nil: HDF5's default, 1 MiB); one chunk's bytes suits append-only writing.
    ///
    /// The corresponding C functions are `H5Pset_chunk`, `H5Pset_scaleoffset`, `H5Pset_shuffle`,
    /// `H5Pset_deflate` and `H5Dcreate2`.
    public func createExtendableDataset<T: H5Scalar>(_ name: String, of type: T.Type, rowShape: [Int] = [], chunkRows: Int,
                                                     compression: H5Compression, chunkCacheBytes: Int? = nil) throws -> H5Dataset {
        try createDataset(name, fileType: T.h5Kind.fileType, shape: [0] + rowShape, maxShape: [nil] + rowShape.map { $0 },
                          chunk: [chunkRows] + rowShape, compression: compression, chunkCacheBytes: chunkCacheBytes)
    }

    private func createDataset(_ name: String, fileType: hid_t, shape: [Int], maxShape: [Int?]?, chunk: [Int]?,
                               compression: H5Compression, chunkCacheBytes: Int? = nil) throws -> H5Dataset {
        let location = childLocation(name)
        let space = try H5Dataspace(shape: shape, maxShape: maxShape, path: location)
        let settings = try H5PropertyList.datasetCreation(path: location)
        if let chunk {
            try settings.setChunk(chunk)
            if compression.scaleOffsetIntegers { try settings.setScaleOffsetIntegers() }
            if compression.shuffle { try settings.setShuffle() }
            if let level = compression.deflateLevel { try settings.setDeflate(level: level) }
        }
        func create(accessList dapl: hid_t) throws -> hid_t {
            try space.withUnsafeID { space in
                try settings.withUnsafeID { dcpl in
                    try HDF5Library.id("H5Dcreate2", location) {
                        H5Dcreate2(unsafeID, name, fileType, space, marsim_H5P_DEFAULT(), dcpl, dapl)
                    }
                }
            }
        }
        let id: hid_t
        if let chunkCacheBytes {
            let access = try H5PropertyList.datasetAccess(chunkCacheBytes: chunkCacheBytes, path: location)
            id = try access.withUnsafeID { try create(accessList: $0) }
        } else {
            id = try create(accessList: marsim_H5P_DEFAULT())
        }
        return H5Dataset(adopting: id, filePath: filePath, objectPath: childPath(name))
    }
}
