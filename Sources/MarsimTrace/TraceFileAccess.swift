import Foundation
import MarsimHDF5

/// Checked, read-only access to a trace file: a missing object or a wrong type becomes a
/// `TraceError` naming the file and the object, never a crash or a silent conversion.
struct TraceFileAccess: ~Copyable {
    let file: H5File
    let path: String

    /// Opens `path` read-only, telling apart a missing file, a non-HDF5 file and a damaged one.
    init(opening path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TraceError.cannotOpen(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw TraceError.cannotOpen(path: path, reason: "it is a directory") }
        guard H5File.isHDF5(path) else {
            throw TraceError.cannotOpen(path: path, reason: "not an HDF5 file (no HDF5 signature)")
        }
        do {
            file = try H5File(opening: path, mode: .readOnly)
        } catch let error as HDF5Error {
            let reason: String
            if error.message.contains("truncated file") {
                reason = "the file is truncated (shorter than HDF5 recorded): \(error.message)"
            } else if error.message.contains("unable to lock file") {
                // HDF5 1.10 locks a file for as long as a writer has it open.
                reason = "another process has it open for writing (a run in progress?); "
                    + "wait for it to finish, or copy the file and open the copy"
            } else {
                reason = "HDF5 cannot open it: \(error.message)"
            }
            throw TraceError.cannotOpen(path: path, reason: reason)
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
        return dataset
    }

    /// Reads a one-dimensional string dataset.
    func strings(_ object: String) throws -> [String] {
        try requireKind(object, .dataset)
        let dataset = try file.openDataset(object)
        let stored = try dataset.storedType()
        guard case .string = stored else {
            throw TraceError.wrongType(path: path, object: object, expected: "string", found: stored.description)
        }
        return try dataset.readStrings()
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
