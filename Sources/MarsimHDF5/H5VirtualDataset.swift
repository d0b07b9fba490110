import CHDF5

/// Where one mapping of a virtual dataset takes its elements from.
public struct H5VirtualSource: Sendable, Equatable {
    /// The source file as stored in the mapping: relative names are resolved by HDF5 against the
    /// virtual dataset's own folder (then the working directory); `.` is the same file.
    public var file: String
    /// The source dataset's path inside that file.
    public var dataset: String

    public init(file: String, dataset: String) {
        self.file = file
        self.dataset = dataset
    }
}

extension H5Container where Self: ~Copyable {
    /// Creates `name` as a **virtual dataset** with `source`'s type and current shape whose elements
    /// are those of dataset `sourceDataset` in file `sourceFile`, all of it, in place: nothing is
    /// copied. HDF5 opens the source when the virtual dataset is read; a missing source reads as
    /// fill values (zeros), so readers must check sources exist (`H5Dataset.virtualSources`).
    ///
    /// A dataset with no elements has nothing to map and is created as an ordinary empty dataset.
    /// The corresponding C functions are `H5Pset_virtual` and `H5Dcreate2`.
    public func createVirtualDataset(_ name: String, like source: borrowing H5Dataset, sourceFile: String,
                                     sourceDataset: String) throws -> H5Dataset {
        let location = childLocation(name)
        let type = try source.datatype()
        let shape = try source.shape()
        let space = try H5Dataspace(shape: shape, path: location)
        let settings = try H5PropertyList.datasetCreation(path: location)
        if try space.elementCount() > 0 {
            let sourceSpace = try H5Dataspace(shape: shape, path: location)
            try settings.withUnsafeID { dcpl in
                try space.withUnsafeID { vspace in
                    try sourceSpace.withUnsafeID { sspace in
                        try HDF5Library.status("H5Pset_virtual", location) { H5Pset_virtual(dcpl, vspace, sourceFile, sourceDataset, sspace) }
                    }
                }
            }
        }
        let id = try settings.withUnsafeID { dcpl in
            try type.withUnsafeID { type in
                try space.withUnsafeID { space in
                    try HDF5Library.id("H5Dcreate2", location) {
                        H5Dcreate2(unsafeID, name, type, space, marsim_H5P_DEFAULT(), dcpl, marsim_H5P_DEFAULT())
                    }
                }
            }
        }
        return H5Dataset(adopting: id, filePath: filePath, objectPath: childPath(name))
    }
}

extension H5Dataset {
    /// The mappings of a virtual dataset, in order (empty for any other layout).
    ///
    /// The corresponding C functions are `H5Pget_virtual_count`, `H5Pget_virtual_filename` and
    /// `H5Pget_virtual_dsetname`.
    public func virtualSources() throws -> [H5VirtualSource] {
        guard try storageLayout() == .virtual else { return [] }
        return try withUnsafeID { id in
            let plist = try HDF5Library.id("H5Dget_create_plist", location) { H5Dget_create_plist(id) }
            defer { HDF5Library.closeQuietly { H5Pclose(plist) } }
            var count: Int = 0
            try HDF5Library.status("H5Pget_virtual_count", location) { H5Pget_virtual_count(plist, &count) }
            return try (0..<count).map { index in
                func text(_ function: String, _ get: (UnsafeMutablePointer<CChar>?, Int) -> Int) throws -> String {
                    let length = get(nil, 0)
                    guard length >= 0, length < 1 << 16 else {
                        throw HDF5Error(function: function, path: location, message: "mapping \(index) has no readable name")
                    }
                    var buffer = [CChar](repeating: 0, count: length + 1)
                    _ = get(&buffer, length + 1)
                    return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
                return H5VirtualSource(
                    file: try text("H5Pget_virtual_filename") { H5Pget_virtual_filename(plist, index, $0, $1) },
                    dataset: try text("H5Pget_virtual_dsetname") { H5Pget_virtual_dsetname(plist, index, $0, $1) })
            }
        }
    }
}

extension H5Object where Self: ~Copyable {
    /// Copies every attribute of this object onto `destination`, each in its stored type (numbers,
    /// enums, strings). The corresponding C function is `H5Aiterate2` (with a C callback that
    /// reads and re-creates each attribute).
    public func copyAttributes<D: H5Object & ~Copyable>(to destination: borrowing D) throws {
        let target = destination.unsafeID
        try withUnsafeID { id in
            try HDF5Library.status("H5Aiterate2", location) { marsim_copy_attributes(id, target) }
        }
    }
}
