import CHDF5

/// Attributes: small named values on a file's root, a group or a dataset.
///
/// Setting an attribute replaces any attribute of that name: in place (`H5Awrite`) when the stored
/// type and shape already match, else by deleting and recreating it. Reading converts to the
/// requested Swift type; call `attributeType(_:)` first where the stored type matters.
extension H5Object where Self: ~Copyable {
    /// Whether the object has an attribute `name`. The corresponding C function is `H5Aexists`.
    public func hasAttribute(_ name: String) throws -> Bool {
        try HDF5Library.truth("H5Aexists", attributeLocation(name)) { H5Aexists(unsafeID, name) }
    }

    /// Removes attribute `name`. The corresponding C function is `H5Adelete`.
    public func deleteAttribute(_ name: String) throws {
        try HDF5Library.status("H5Adelete", attributeLocation(name)) { H5Adelete(unsafeID, name) }
    }

    /// Sets a scalar numeric attribute, stored little-endian (e.g. `H5T_STD_U32LE` for `UInt32`).
    public func setAttribute<T: H5Scalar>(_ name: String, _ value: T) throws {
        var value = value
        try writeAttribute(name, fileType: T.h5Kind.fileType, stored: T.h5Kind.storedType, shape: nil,
                           memoryType: T.h5Kind.memoryType) { try $0.write(type: T.h5Kind.memoryType, &value) }
    }

    /// Sets a one-dimensional numeric attribute of `values.count` elements.
    public func setAttribute<T: H5Scalar>(_ name: String, _ values: [T]) throws {
        try writeAttribute(name, fileType: T.h5Kind.fileType, stored: T.h5Kind.storedType, shape: [values.count],
                           memoryType: T.h5Kind.memoryType) { attribute in
            try values.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                try attribute.write(type: T.h5Kind.memoryType, base)
            }
        }
    }

    /// Sets a scalar UTF-8 string attribute (variable length, as h5py writes `str`).
    public func setAttribute(_ name: String, _ value: String) throws {
        let type = try H5Datatype.utf8String(path: attributeLocation(name))
        try type.withUnsafeID { type in
            try writeAttribute(name, fileType: type, stored: .string(variableLength: true), shape: nil, memoryType: type) { attribute in
                try value.withCString { chars in
                    var pointer: UnsafePointer<CChar>? = chars
                    try attribute.write(type: type, &pointer)
                }
            }
        }
    }

    /// Sets a scalar enumeration attribute over `UInt8` with the given members, holding `value`.
    ///
    /// The type is built with `H5Tenum_create` and `H5Tenum_insert`, as SONATA's `sorting` needs.
    public func setEnumAttribute(_ name: String, members: [(name: String, value: UInt8)], value: UInt8) throws {
        precondition(members.contains { $0.value == value }, "enum attribute value must be one of its members")
        let type = try H5Datatype.enumeration(members, path: attributeLocation(name))
        if try hasAttribute(name) { try deleteAttribute(name) }
        let space = try H5Dataspace.scalar(path: attributeLocation(name))
        try type.withUnsafeID { type in
            let attribute = try H5Attribute(creating: name, on: unsafeID, type: type, space: space, path: attributeLocation(name))
            var value = value
            try attribute.write(type: type, &value)
        }
    }

    /// The stored type of attribute `name`. The corresponding C function is `H5Aget_type`.
    public func attributeType(_ name: String) throws -> H5StoredType {
        let attribute = try H5Attribute(opening: name, on: unsafeID, path: attributeLocation(name))
        return try attribute.datatype().storedType()
    }

    /// The shape of attribute `name` (`[]` for a scalar). The corresponding C function is `H5Aget_space`.
    public func attributeShape(_ name: String) throws -> [Int] {
        let attribute = try H5Attribute(opening: name, on: unsafeID, path: attributeLocation(name))
        return try attribute.dataspace().shape()
    }

    /// Reads a numeric attribute holding exactly one element, converted to `T`.
    public func readAttribute<T: H5Scalar>(_ name: String, as type: T.Type) throws -> T {
        let values = try readAttributeArray(name, as: type)
        guard values.count == 1 else {
            throw HDF5Error(function: "H5Aread", path: attributeLocation(name),
                            message: "expected one element, found \(values.count)")
        }
        return values[0]
    }

    /// Reads every element of a numeric attribute, converted to `T`.
    public func readAttributeArray<T: H5Scalar>(_ name: String, as type: T.Type) throws -> [T] {
        let attribute = try H5Attribute(opening: name, on: unsafeID, path: attributeLocation(name))
        let count = try attribute.dataspace().elementCount()
        var values = [T](repeating: .zero, count: count)
        guard count > 0 else { return values }
        try values.withUnsafeMutableBytes { bytes in
            try attribute.read(type: T.h5Kind.memoryType, into: bytes.baseAddress!)
        }
        return values
    }

    /// Reads a scalar string attribute, variable or fixed length, decoded as UTF-8.
    public func readStringAttribute(_ name: String) throws -> String {
        let location = attributeLocation(name)
        let attribute = try H5Attribute(opening: name, on: unsafeID, path: location)
        let stored = try attribute.datatype()
        guard case .string(let variableLength) = try stored.storedType() else {
            throw HDF5Error(function: "H5Aread", path: location, message: "not a string attribute")
        }
        let space = try attribute.dataspace()
        guard try space.elementCount() == 1 else {
            throw HDF5Error(function: "H5Aread", path: location, message: "expected a scalar string")
        }
        if variableLength {
            let memoryType = try H5Datatype.utf8String(path: location)
            var pointer: UnsafeMutablePointer<CChar>? = nil
            try memoryType.withUnsafeID { try attribute.read(type: $0, into: &pointer) }
            defer { if let pointer { HDF5Library.closeQuietly { H5free_memory(pointer) } } }
            return pointer.map { String(cString: $0) } ?? ""
        }
        let size = try stored.byteCount()
        let memoryType = try H5Datatype.utf8String(byteCount: size, path: location)
        var bytes = [UInt8](repeating: 0, count: size)
        try memoryType.withUnsafeID { type in
            try bytes.withUnsafeMutableBytes { try attribute.read(type: type, into: $0.baseAddress!) }
        }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Reads a scalar enumeration attribute and returns the name of its value.
    ///
    /// The corresponding C functions are `H5Aread` and `H5Tenum_nameof`.
    public func readEnumAttribute(_ name: String) throws -> String {
        let location = attributeLocation(name)
        let attribute = try H5Attribute(opening: name, on: unsafeID, path: location)
        let type = try attribute.datatype()
        guard case .enumeration(1) = try type.storedType() else {
            throw HDF5Error(function: "H5Aread", path: location,
                            message: "expected an enum over 8-bit integers, found \(try type.storedType())")
        }
        var value: UInt8 = 0
        try type.withUnsafeID { try attribute.read(type: $0, into: &value) }
        guard let member = try type.enumName(of: value) else {
            throw HDF5Error(function: "H5Tenum_nameof", path: location, message: "value \(value) is not a member")
        }
        return member
    }

    // MARK: - Private

    private func attributeLocation(_ name: String) -> String { location + "@" + name }

    /// Creates or reuses attribute `name` with the given file type and shape (nil: scalar), then runs `write`.
    private func writeAttribute(_ name: String, fileType: hid_t, stored: H5StoredType, shape: [Int]?, memoryType: hid_t,
                                _ write: (borrowing H5Attribute) throws -> Void) throws {
        let location = attributeLocation(name)
        if try hasAttribute(name) {
            let existing = try H5Attribute(opening: name, on: unsafeID, path: location)
            let sameType = try existing.datatype().storedType() == stored
            let existingShape = try existing.dataspace().shape()
            if sameType && existingShape == (shape ?? []) {
                try write(existing)
                return
            }
            try deleteAttribute(name)
        }
        let space: H5Dataspace
        if let shape {
            space = try H5Dataspace(shape: shape, path: location)
        } else {
            space = try H5Dataspace.scalar(path: location)
        }
        let attribute = try H5Attribute(creating: name, on: unsafeID, type: fileType, space: space, path: location)
        try write(attribute)
    }
}
