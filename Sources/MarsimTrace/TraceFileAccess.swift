import Foundation
import MarsimHDF5

/// Checked, read-only access to a trace file: a missing object or a wrong type becomes a
/// `TraceError` naming the file and the object, never a crash or a silent conversion.
struct TraceFileAccess: ~Copyable {
    let file: H5File
    let path: String

    /// The file's size in bytes: no trustworthy size read from the file exceeds what it can hold.
    let fileBytes: Int

    /// Opens `path` read-only, telling apart a missing file, a non-HDF5 file and a damaged one.
    /// Anything but a regular file (a directory, a FIFO — which would block a reader forever — a
    /// device) is refused before it is opened.
    ///
    /// `name` is how messages call the file (default: `path`), e.g. the journal a temporary HDF5
    /// file was recovered from.
    init(opening filePath: String, name: String? = nil) throws {
        let path = name ?? filePath
        let size = try Self.regularFileSize(filePath)
        guard H5File.isHDF5(filePath) else {
            throw TraceError.cannotOpen(path: path, reason: "not an HDF5 file (no HDF5 signature)")
        }
        let opened: H5File
        do {
            opened = try H5File(opening: filePath, mode: .readOnly)
        } catch let error as HDF5Error {
            let reason: String
            if error.message.contains("truncated file") {
                reason = "the file is truncated (shorter than HDF5 recorded): \(error.message)"
            } else if error.message.contains("unable to lock file") {
                // HDF5 1.10 locks a file for as long as a writer has it open.
                reason = "another process has it open for writing; wait for it to finish, or copy the file and open the copy"
            } else {
                reason = "HDF5 cannot open it: \(error.message)"
            }
            throw TraceError.cannotOpen(path: path, reason: reason)
        }
        self.path = path
        fileBytes = size
        file = opened
    }

    /// The size of the regular file at `path` (following symbolic links), or a `cannotOpen` error
    /// saying what is there instead.
    static func regularFileSize(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            var hint = ""
            if errno == ENOENT, FileManager.default.fileExists(atPath: path + TraceJournal.suffix) {
                hint = "; a run that did not finish left \(path + TraceJournal.suffix): read that"
            }
            throw TraceError.cannotOpen(path: path, reason: reason + hint)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return Int(info.st_size)
        case S_IFDIR: throw TraceError.cannotOpen(path: path, reason: "it is a directory")
        case S_IFIFO: throw TraceError.cannotOpen(path: path, reason: "it is a FIFO (named pipe), not a file")
        default: throw TraceError.cannotOpen(path: path, reason: "it is not a regular file (a device or socket)")
        }
    }

    func group(_ object: String) throws -> H5Group {
        try requireKind(object, .group)
        return try file.openGroup(object)
    }

    func exists(_ object: String) throws -> Bool { try file.contains(object) }

    /// Opens a numeric dataset, checking its stored type is exactly `T`'s and its rank.
    func dataset<T: H5Scalar>(_ object: String, _ type: T.Type, rank: Int) throws -> H5Dataset {
        try requireKind(object, .dataset)
        let dataset = try file.openDataset(object)
        let stored = try dataset.storedType()
        guard stored == T.h5Kind.storedType else {
            throw TraceError.wrongType(path: path, object: object, expected: T.h5Kind.rawValue, found: stored.description)
        }
        let shape = try dataset.shape()
        guard shape.count == rank else {
            throw TraceError.wrongShape(path: path, object: object, expected: "\(rank) dimension(s)", found: shape)
        }
        try checkStorage(dataset, object)
        return dataset
    }

    /// Refuses data stored outside the file in ways a reader cannot bound: external storage (raw
    /// bytes in any file, even a FIFO or a device) and virtual datasets whose sources are not
    /// checked trace datasets (`virtualSourceBound`). A virtual dataset whose every source is a
    /// regular HDF5 file holding an ordinary dataset of the same type is accepted: that is how a
    /// merged study exposes its shards' traces.
    func checkStorage(_ dataset: borrowing H5Dataset, _ object: String) throws {
        switch try dataset.storageLayout() {
        case .contiguous(external: true):
            throw TraceError.inconsistent(path: path, reason: "\(object) keeps its data in external raw files")
        case .virtual:
            _ = try virtualSourceBound(dataset, object, elementBytes: 1)
        default: break
        }
    }

    /// For a virtual dataset, checks every mapping's source and returns the elements the sources
    /// store (the sum of their `storedElementBound`s). A source must be another regular HDF5 file
    /// (a relative name is resolved against this file's folder, as HDF5 does) holding a dataset of
    /// the same stored type that is neither virtual nor external: HDF5 itself would read a missing
    /// source as zeros, silently.
    func virtualSourceBound(_ dataset: borrowing H5Dataset, _ object: String, elementBytes: Int) throws -> Int {
        let sources = try dataset.virtualSources()
        guard !sources.isEmpty, sources.count <= 4096 else {
            throw TraceError.inconsistent(path: path, reason: "\(object) is virtual with \(sources.count) mappings")
        }
        let stored = try dataset.storedType()
        var total = 0
        for source in sources {
            let folder = (file.filePath as NSString).deletingLastPathComponent
            let sourcePath = source.file.hasPrefix("/") ? source.file : (folder.isEmpty ? source.file : folder + "/" + source.file)
            let what = "\(object) maps \(source.dataset) of \(sourcePath)"
            guard source.file != "." else {
                throw TraceError.inconsistent(path: path, reason: "\(what): a virtual dataset may only map other files")
            }
            let size: Int
            do { size = try Self.regularFileSize(sourcePath) } catch let TraceError.cannotOpen(_, reason) {
                throw TraceError.inconsistent(path: path, reason: "\(what), which cannot be opened: \(reason) (a merged trace reads its shards' files)")
            }
            guard H5File.isHDF5(sourcePath) else {
                throw TraceError.inconsistent(path: path, reason: "\(what), which is not an HDF5 file")
            }
            let sourceFile = try H5File(opening: sourcePath, mode: .readOnly)
            guard try sourceFile.kind(of: source.dataset) == .dataset else {
                throw TraceError.inconsistent(path: path, reason: "\(what), which has no such dataset")
            }
            let original = try sourceFile.openDataset(source.dataset)
            switch try original.storageLayout() {
            case .virtual, .contiguous(external: true):
                throw TraceError.inconsistent(path: path, reason: "\(what), which keeps its own data outside its file")
            default: break
            }
            guard try original.storedType() == stored else {
                throw TraceError.inconsistent(path: path, reason: "\(what), whose type differs")
            }
            let (sum, overflow) = total.addingReportingOverflow(try original.storedElementBound(elementBytes: elementBytes, fileBytes: size))
            total = overflow ? Int.max : sum
        }
        return total
    }

    /// Throws unless the file stores at least `rows` rows of `dataset` (of `rowElements` elements of
    /// `elementBytes` bytes): an extent beyond the stored data would only read fill values, and a
    /// small file claiming billions of rows must not make a reader allocate for them. A virtual
    /// dataset's rows are stored by its sources.
    func requireStoredRows(_ dataset: borrowing H5Dataset, _ object: String, rows: Int, rowElements: Int, elementBytes: Int) throws {
        guard rows > 0, rowElements > 0 else { return }
        let bound = try dataset.storageLayout() == .virtual
            ? virtualSourceBound(dataset, object, elementBytes: elementBytes)
            : dataset.storedElementBound(elementBytes: elementBytes, fileBytes: fileBytes)
        let (needed, overflow) = rows.multipliedReportingOverflow(by: rowElements)
        if overflow || needed > bound {
            throw TraceError.tooLarge(path: path, reason:
                "\(object) claims \(rows) rows but the file stores data for at most \(bound / rowElements)")
        }
    }

    /// Reads a one-dimensional string dataset (its size bounded by what the file stores).
    func strings(_ object: String) throws -> [String] {
        try requireKind(object, .dataset)
        let dataset = try file.openDataset(object)
        let stored = try dataset.storedType()
        guard case .string = stored else {
            throw TraceError.wrongType(path: path, object: object, expected: "string", found: stored.description)
        }
        let shape = try dataset.shape()
        guard shape.count == 1 else {
            throw TraceError.wrongShape(path: path, object: object, expected: "1 dimension(s)", found: shape)
        }
        try checkStorage(dataset, object)
        try requireStoredRows(dataset, object, rows: shape[0], rowElements: 1, elementBytes: try dataset.datatype().byteCount())
        try TraceReadBudget.check(elements: shape[0], elementBytes: 64, path: path, object: object)
        return try dataset.readStrings()
    }

    /// Reads a whole numeric dataset of `rank` dimensions after checking the file stores all of it.
    func values<T: H5Scalar>(_ object: String, _ type: T.Type, rank: Int) throws -> (values: [T], shape: [Int]) {
        let dataset = try dataset(object, type, rank: rank)
        let shape = try dataset.shape()
        let rowElements = shape.dropFirst().reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        if let rows = shape.first {
            try requireStoredRows(dataset, object, rows: rows, rowElements: rowElements, elementBytes: MemoryLayout<T>.size)
        }
        let (elements, overflow) = (shape.first ?? 1).multipliedReportingOverflow(by: rowElements)
        try TraceReadBudget.check(elements: overflow ? Int.max : elements, elementBytes: MemoryLayout<T>.size, path: path, object: object)
        return (try dataset.read(as: type), shape)
    }

    /// Reads a scalar numeric attribute of `owner`, checking its stored type is exactly `T`'s.
    func attribute<T: H5Scalar, O: H5Object & ~Copyable>(_ name: String, of owner: borrowing O, as type: T.Type) throws -> T {
        let values = try attributeArray(name, of: owner, as: type)
        guard values.count == 1 else {
            throw TraceError.wrongShape(path: path, object: attributeName(name, owner), expected: "one value", found: [values.count])
        }
        return values[0]
    }

    /// Reads a numeric attribute of `owner`, checking its stored type is exactly `T`'s.
    func attributeArray<T: H5Scalar, O: H5Object & ~Copyable>(_ name: String, of owner: borrowing O, as type: T.Type) throws -> [T] {
        try requireAttribute(name, of: owner)
        let shape = try owner.attributeShape(name)
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count <= 16 else {
            throw TraceError.wrongShape(path: path, object: attributeName(name, owner), expected: "at most 16 values", found: shape)
        }
        let stored = try owner.attributeType(name)
        guard stored == T.h5Kind.storedType else {
            throw TraceError.wrongType(path: path, object: attributeName(name, owner), expected: T.h5Kind.rawValue,
                                       found: stored.description)
        }
        return try owner.readAttributeArray(name, as: type)
    }

    /// Reads a string attribute of `owner`.
    func stringAttribute<O: H5Object & ~Copyable>(_ name: String, of owner: borrowing O) throws -> String {
        try requireAttribute(name, of: owner)
        let stored = try owner.attributeType(name)
        guard case .string = stored else {
            throw TraceError.wrongType(path: path, object: attributeName(name, owner), expected: "string", found: stored.description)
        }
        return try owner.readStringAttribute(name)
    }

    func requireAttribute<O: H5Object & ~Copyable>(_ name: String, of owner: borrowing O) throws {
        guard try owner.hasAttribute(name) else {
            throw TraceError.missing(path: path, object: attributeName(name, owner))
        }
    }

    /// How messages name an attribute: `/marsim@tokens_flushed`, or `root attribute magic`.
    func attributeName<O: H5Object & ~Copyable>(_ name: String, _ owner: borrowing O) -> String {
        owner.objectPath == "/" ? "root attribute \(name)" : "attribute \(owner.objectPath)@\(name)"
    }

    private func requireKind(_ object: String, _ kind: H5ObjectKind) throws {
        guard let found = try file.kind(of: object) else {
            throw TraceError.missing(path: path, object: try firstMissing(object))
        }
        guard found == kind else {
            throw TraceError.wrongType(path: path, object: object, expected: "a \(kind)", found: "a \(found)")
        }
    }

    /// The shortest missing prefix of `object`, e.g. `/marsim/counts` for `/marsim/counts/dense_macs`
    /// when the whole group is gone.
    private func firstMissing(_ object: String) throws -> String {
        var prefix = ""
        for component in object.split(separator: "/") {
            prefix += "/" + component
            if try !file.contains(prefix) { return prefix }
        }
        return object
    }
}
