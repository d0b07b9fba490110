import CHDF5

/// An open HDF5 dataset (owned; closed by `deinit` with `H5Dclose`, or by `close()` to see the error).
///
/// Values are passed in row-major order as flat arrays. Reads convert from the stored type to the
/// requested one (HDF5 converts), so check `storedType()` where the stored type matters.
public struct H5Dataset: ~Copyable, H5Object {
    private var id: hid_t
    public let filePath: String
    public let objectPath: String

    init(adopting id: hid_t, filePath: String, objectPath: String) {
        self.id = id
        self.filePath = filePath
        self.objectPath = objectPath
    }

    deinit {
        if id >= 0 { HDF5Library.closeQuietly { [id] in H5Dclose(id) } }
    }

    /// Closes the dataset now, reporting failure. The corresponding C function is `H5Dclose`.
    public consuming func close() throws {
        let id = self.id
        self.id = -1
        try HDF5Library.status("H5Dclose", location) { H5Dclose(id) }
    }

    public func withUnsafeID<R: ~Copyable>(_ body: (hid_t) throws -> R) rethrows -> R { try body(id) }

    /// The dataset's current dataspace. The corresponding C function is `H5Dget_space`.
    public func dataspace() throws -> H5Dataspace {
        H5Dataspace(adopting: try HDF5Library.id("H5Dget_space", location) { H5Dget_space(id) }, path: location)
    }

    /// The dataset's stored type. The corresponding C function is `H5Dget_type`.
    public func datatype() throws -> H5Datatype {
        H5Datatype(adopting: try HDF5Library.id("H5Dget_type", location) { H5Dget_type(id) }, path: location)
    }

    /// The current extent, e.g. `[tokens, units]`.
    public func shape() throws -> [Int] { try dataspace().shape() }

    /// What the dataset stores (e.g. `.integer(bytes: 8, signed: false)` for uint64).
    public func storedType() throws -> H5StoredType { try datatype().storedType() }

    /// Overwrites the whole dataset with `values` (exactly one value per element).
    ///
    /// The corresponding C function is `H5Dwrite`.
    public func write<T: H5Scalar>(_ values: [T]) throws {
        let count = try dataspace().elementCount()
        guard values.count == count else {
            throw HDF5Error(function: "H5Dwrite", path: location, message: "\(values.count) values for \(count) elements")
        }
        guard count > 0 else { return }
        try values.withUnsafeBytes { bytes in
            try HDF5Library.status("H5Dwrite", location) {
                H5Dwrite(id, T.h5Kind.memoryType, marsim_H5S_ALL(), marsim_H5S_ALL(), marsim_H5P_DEFAULT(), bytes.baseAddress)
            }
        }
    }

    /// Overwrites the whole dataset with UTF-8 strings (the dataset must have a variable-length string type).
    ///
    /// The corresponding C function is `H5Dwrite`.
    public func write(strings: [String]) throws {
        let count = try dataspace().elementCount()
        guard strings.count == count else {
            throw HDF5Error(function: "H5Dwrite", path: location, message: "\(strings.count) strings for \(count) elements")
        }
        guard count > 0 else { return }
        // All strings NUL-terminated in one buffer, and a pointer to each (HDF5's `char *` per element).
        var characters: [CChar] = []
        var offsets: [Int] = []
        for string in strings {
            offsets.append(characters.count)
            characters.append(contentsOf: string.utf8CString)
        }
        let memoryType = try H5Datatype.utf8String(path: location)
        try memoryType.withUnsafeID { type in
            try characters.withUnsafeBufferPointer { characters in
                let pointers = offsets.map { UnsafePointer<CChar>?(characters.baseAddress! + $0) }
                try pointers.withUnsafeBufferPointer { buffer in
                    try HDF5Library.status("H5Dwrite", location) {
                        H5Dwrite(id, type, marsim_H5S_ALL(), marsim_H5S_ALL(), marsim_H5P_DEFAULT(), buffer.baseAddress)
                    }
                }
            }
        }
    }

    /// Appends whole rows along the first dimension: grows the extent by `values.count / rowSize`
    /// rows (rowSize = product of the other dimensions) and writes them there.
    ///
    /// The dataset must be chunked with an unlimited first dimension (`createExtendableDataset`).
    /// The corresponding C functions are `H5Dset_extent`, `H5Sselect_hyperslab` and `H5Dwrite`.
    public func append<T: H5Scalar>(_ values: [T]) throws {
        let shape = try self.shape()
        guard let oldRows = shape.first else {
            throw HDF5Error(function: "H5Dset_extent", path: location, message: "cannot append to a scalar dataset")
        }
        let rowShape = Array(shape.dropFirst())
        let rowSize = rowShape.reduce(1, *)
        guard rowSize > 0, values.count % rowSize == 0 else {
            throw HDF5Error(function: "H5Dset_extent", path: location,
                            message: "\(values.count) values are not whole rows of \(rowSize)")
        }
        let newRows = values.count / rowSize
        guard newRows > 0 else { return }
        let newShape = ([oldRows + newRows] + rowShape).map { hsize_t($0) }
        try HDF5Library.status("H5Dset_extent", location) { H5Dset_extent(id, newShape) }
        let fileSpace = try dataspace()
        try fileSpace.selectBlock(start: [oldRows] + rowShape.map { _ in 0 }, count: [newRows] + rowShape)
        let memorySpace = try H5Dataspace(shape: [newRows] + rowShape, path: location)
        try memorySpace.withUnsafeID { memorySpace in
            try fileSpace.withUnsafeID { fileSpace in
                try values.withUnsafeBytes { bytes in
                    try HDF5Library.status("H5Dwrite", location) {
                        H5Dwrite(id, T.h5Kind.memoryType, memorySpace, fileSpace, marsim_H5P_DEFAULT(), bytes.baseAddress)
                    }
                }
            }
        }
    }

    /// Reads every element, converted to `T`. The corresponding C function is `H5Dread`.
    public func read<T: H5Scalar>(as type: T.Type) throws -> [T] {
        let count = try dataspace().elementCount()
        var values = [T](repeating: .zero, count: count)
        guard count > 0 else { return values }
        try values.withUnsafeMutableBytes { bytes in
            try HDF5Library.status("H5Dread", location) {
                H5Dread(id, T.h5Kind.memoryType, marsim_H5S_ALL(), marsim_H5S_ALL(), marsim_H5P_DEFAULT(), bytes.baseAddress)
            }
        }
        return values
    }

    /// Reads the rows `rows` of the first dimension (all of the other dimensions), converted to `T`.
    ///
    /// The corresponding C functions are `H5Sselect_hyperslab` and `H5Dread`.
    public func read<T: H5Scalar>(as type: T.Type, rows: Range<Int>) throws -> [T] {
        let shape = try self.shape()
        guard let totalRows = shape.first, rows.lowerBound >= 0, rows.upperBound <= totalRows else {
            throw HDF5Error(function: "H5Dread", path: location, message: "rows \(rows) outside extent \(shape)")
        }
        let rowShape = Array(shape.dropFirst())
        var values = [T](repeating: .zero, count: rows.count * rowShape.reduce(1, *))
        guard !values.isEmpty else { return values }
        let fileSpace = try dataspace()
        try fileSpace.selectBlock(start: [rows.lowerBound] + rowShape.map { _ in 0 }, count: [rows.count] + rowShape)
        let memorySpace = try H5Dataspace(shape: [rows.count] + rowShape, path: location)
        try memorySpace.withUnsafeID { memorySpace in
            try fileSpace.withUnsafeID { fileSpace in
                try values.withUnsafeMutableBytes { bytes in
                    try HDF5Library.status("H5Dread", location) {
                        H5Dread(id, T.h5Kind.memoryType, memorySpace, fileSpace, marsim_H5P_DEFAULT(), bytes.baseAddress)
                    }
                }
            }
        }
        return values
    }

    /// Reads every element of a string dataset (variable or fixed length), decoded as UTF-8.
    ///
    /// The corresponding C functions are `H5Dread` and `H5Dvlen_reclaim`.
    public func readStrings() throws -> [String] {
        let stored = try datatype()
        guard case .string(let variableLength) = try stored.storedType() else {
            throw HDF5Error(function: "H5Dread", path: location, message: "not a string dataset (\(try stored.storedType()))")
        }
        let space = try dataspace()
        let count = try space.elementCount()
        guard count > 0 else { return [] }
        if variableLength {
            let memoryType = try H5Datatype.utf8String(path: location)
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            return try memoryType.withUnsafeID { type in
                try pointers.withUnsafeMutableBufferPointer { buffer in
                    try HDF5Library.status("H5Dread", location) {
                        H5Dread(id, type, marsim_H5S_ALL(), marsim_H5S_ALL(), marsim_H5P_DEFAULT(), buffer.baseAddress)
                    }
                    let strings = buffer.map { $0.map { String(cString: $0) } ?? "" }
                    try space.withUnsafeID { space in
                        try HDF5Library.status("H5Dvlen_reclaim", location) {
                            H5Dvlen_reclaim(type, space, marsim_H5P_DEFAULT(), buffer.baseAddress)
                        }
                    }
                    return strings
                }
            }
        }
        let size = try stored.byteCount()
        let memoryType = try H5Datatype.utf8String(byteCount: size, path: location)
        var bytes = [UInt8](repeating: 0, count: size * count)
        try memoryType.withUnsafeID { type in
            try bytes.withUnsafeMutableBytes { buffer in
                try HDF5Library.status("H5Dread", location) {
                    H5Dread(id, type, marsim_H5S_ALL(), marsim_H5S_ALL(), marsim_H5P_DEFAULT(), buffer.baseAddress)
                }
            }
        }
        return (0..<count).map { index in
            String(decoding: bytes[index * size ..< (index + 1) * size].prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

// MARK: - Storage

/// How a dataset's elements are stored in the file, as far as a reader bounding its reads cares.
public enum H5StorageLayout: Sendable, Equatable {
    /// Stored inside the object header (at most 64 KiB).
    case compact
    /// One block in the file (`external` when the data lives in other files).
    case contiguous(external: Bool)
    /// In chunks of `chunkShape` elements.
    case chunked(chunkShape: [Int])
    /// A virtual dataset mapping other datasets or files.
    case virtual
}

extension H5Dataset {
    /// The dataset's storage layout. The corresponding C functions are `H5Dget_create_plist`,
    /// `H5Pget_layout`, `H5Pget_chunk` and `H5Pget_external_count`.
    public func storageLayout() throws -> H5StorageLayout {
        try withUnsafeID { id in
            let plist = try HDF5Library.id("H5Dget_create_plist", location) { H5Dget_create_plist(id) }
            defer { HDF5Library.closeQuietly { H5Pclose(plist) } }
            let layout = try HDF5Library.call("H5Pget_layout", location, failed: { $0.rawValue < 0 }) { H5Pget_layout(plist) }
            switch layout {
            case H5D_COMPACT: return .compact
            case H5D_CONTIGUOUS:
                let external = try HDF5Library.count("H5Pget_external_count", location) { H5Pget_external_count(plist) }
                return .contiguous(external: external > 0)
            case H5D_CHUNKED:
                var dims = [hsize_t](repeating: 0, count: 32)
                let rank = try HDF5Library.count("H5Pget_chunk", location) { H5Pget_chunk(plist, 32, &dims) }
                return .chunked(chunkShape: try dims.prefix(min(rank, 32)).map { dim in
                    guard let value = Int(exactly: dim) else {
                        throw HDF5Error(function: "H5Pget_chunk", path: location, message: "chunk dimension \(dim) is too large")
                    }
                    return value
                })
            case H5D_VIRTUAL: return .virtual
            default:
                throw HDF5Error(function: "H5Pget_layout", path: location, message: "unknown storage layout \(layout.rawValue)")
            }
        }
    }

    /// Chunks that exist in the file (unwritten chunks read as the fill value without being stored).
    ///
    /// The corresponding C function is `H5Dget_num_chunks`.
    public func allocatedChunkCount() throws -> Int {
        var count: hsize_t = 0
        let space = try dataspace()
        try withUnsafeID { id in
            try space.withUnsafeID { space in
                try HDF5Library.status("H5Dget_num_chunks", location) { H5Dget_num_chunks(id, space, &count) }
            }
        }
        return Int(clamping: count)
    }

    /// Bytes of the file allocated to the dataset's data. The corresponding C function is `H5Dget_storage_size`.
    public func storageByteCount() throws -> Int {
        try withUnsafeID { id in Int(clamping: H5Dget_storage_size(id)) }
    }

    /// An upper bound on the elements whose values the file actually stores: elements beyond it can
    /// only be fill values, so a reader need never trust an extent larger than this. Chunked:
    /// allocated chunks × chunk elements; contiguous: allocated bytes ÷ element size, capped at
    /// `fileBytes`; compact: all elements. External and virtual storage (data in other files) give 0.
    public func storedElementBound(elementBytes: Int, fileBytes: Int) throws -> Int {
        switch try storageLayout() {
        case .compact:
            return try dataspace().elementCount()
        case .contiguous(let external):
            if external { return 0 }
            return min(try storageByteCount(), fileBytes) / max(1, elementBytes)
        case .chunked(let chunkShape):
            let perChunk = chunkShape.reduce(1) { $0.multipliedReportingOverflow(by: max(0, $1)).overflow ? Int.max : $0 * max(0, $1) }
            let (total, overflow) = try allocatedChunkCount().multipliedReportingOverflow(by: perChunk)
            return overflow ? Int.max : total
        case .virtual:
            return 0
        }
    }
}

extension H5Dataset {
    /// Changes the extent of a chunked, extendable dataset to `shape` (rows beyond the stored
    /// data read as the fill value). The corresponding C function is `H5Dset_extent`.
    public func setExtent(_ shape: [Int]) throws {
        let dims = shape.map { hsize_t(max(0, $0)) }
        try withUnsafeID { id in
            try HDF5Library.status("H5Dset_extent", location) { H5Dset_extent(id, dims) }
        }
    }
}
