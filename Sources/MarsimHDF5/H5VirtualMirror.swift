/// A file that looks like another — same groups, same attributes, same datasets — whose datasets
/// are **virtual**: each maps the whole of the same dataset in the source file, so the data is
/// read from the source and never copied.
///
/// This is how a merged study exposes its shards' traces: readers (marsim, h5py, any HDF5 ≥ 1.10
/// reader) open the mirror like the original. The source file is named in each mapping as given
/// (`sourceName`); a relative name is resolved against the mirror's folder, so a mirror and its
/// sources can move together.
public enum H5VirtualMirror {
    /// Creates (or truncates) `path` as a mirror of the file at `sourcePath`, naming it `sourceName`
    /// in every mapping.
    public static func create(at path: String, mirroring sourcePath: String, sourceName: String) throws {
        let source = try H5File(opening: sourcePath, mode: .readOnly)
        let mirror = try H5File(creating: path, mode: .truncate)
        try source.copyAttributes(to: mirror)
        try mirrorMembers(of: "/", source: source, mirror: mirror, sourceName: sourceName)
        try mirror.flush()
    }

    private static func mirrorMembers(of group: String, source: borrowing H5File, mirror: borrowing H5File, sourceName: String) throws {
        let container = try source.openGroup(group)
        for name in try container.memberNames() {
            let path = group == "/" ? "/" + name : group + "/" + name
            switch try source.kind(of: path) {
            case .group:
                let original = try source.openGroup(path)
                let copy = try mirror.createGroup(path)
                try original.copyAttributes(to: copy)
                try mirrorMembers(of: path, source: source, mirror: mirror, sourceName: sourceName)
            case .dataset:
                let original = try source.openDataset(path)
                let virtual = try mirror.createVirtualDataset(path, like: original, sourceFile: sourceName, sourceDataset: path)
                try original.copyAttributes(to: virtual)
            default:
                throw HDF5Error(function: "H5VirtualMirror", path: source.filePath + ":" + path,
                                message: "holds an object that is neither a group nor a dataset; only groups and datasets can be mirrored")
            }
        }
    }
}
