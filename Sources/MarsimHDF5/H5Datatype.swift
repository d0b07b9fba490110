import CHDF5

/// An owned HDF5 datatype: a string or enumeration type built here, or the type of a stored object.
///
/// Predefined numeric types (`H5T_NATIVE_*`, `H5T_STD_*`) are not wrapped: they belong to the library.
/// Closed by `deinit` (`H5Tclose`), or by `close()` to see the error.
public struct H5Datatype: ~Copyable {
    private var id: hid_t
    /// What the type belongs to, for error messages.
    public let path: String

    /// Takes ownership of a datatype identifier.
    init(adopting id: hid_t, path: String) {
        self.id = id
        self.path = path
    }

    deinit {
        if id >= 0 { HDF5Library.closeQuietly { [id] in H5Tclose(id) } }
    }

    /// Closes the type now, reporting failure. The corresponding C function is `H5Tclose`.
    public consuming func close() throws {
        let id = self.id
        self.id = -1
        try HDF5Library.status("H5Tclose", path) { H5Tclose(id) }
    }

    /// Runs `body` with the raw identifier, which stays owned by `self`: do not close it.
    public func withUnsafeID<R: ~Copyable>(_ body: (hid_t) throws -> R) rethrows -> R { try body(id) }

    /// A UTF-8 string type: variable length (`H5T_VARIABLE`, what h5py writes for `str`) when
    /// `byteCount` is nil, else fixed length, NUL-padded.
    ///
    /// The corresponding C functions are `H5Tcopy(H5T_C_S1)`, `H5Tset_size`, `H5Tset_cset`.
    public static func utf8String(byteCount: Int? = nil, path: String = "(datatype)") throws -> H5Datatype {
        let type = H5Datatype(adopting: try HDF5Library.id("H5Tcopy", path) { H5Tcopy(marsim_H5T_C_S1()) }, path: path)
        let size = byteCount.map { max(1, $0) } ?? marsim_H5T_VARIABLE()
        try HDF5Library.status("H5Tset_size", path) { H5Tset_size(type.id, size) }
        try HDF5Library.status("H5Tset_cset", path) { H5Tset_cset(type.id, H5T_CSET_UTF8) }
        if byteCount != nil {
            try HDF5Library.status("H5Tset_strpad", path) { H5Tset_strpad(type.id, H5T_STR_NULLPAD) }
        }
        return type
    }

    /// An enumeration over unsigned 8-bit integers with the given members.
    ///
    /// The corresponding C functions are `H5Tenum_create(H5T_NATIVE_UINT8)` and `H5Tenum_insert`.
    public static func enumeration(_ members: [(name: String, value: UInt8)], path: String = "(datatype)") throws -> H5Datatype {
        let type = H5Datatype(adopting: try HDF5Library.id("H5Tenum_create", path) { H5Tenum_create(marsim_H5T_NATIVE_UINT8()) }, path: path)
        for member in members {
            var value = member.value
            try HDF5Library.status("H5Tenum_insert", path) { H5Tenum_insert(type.id, member.name, &value) }
        }
        return type
    }

    /// What this type is, in the terms a format check needs.
    ///
    /// The corresponding C functions are `H5Tget_class`, `H5Tget_size`, `H5Tget_sign`, `H5Tis_variable_str`.
    public func storedType() throws -> H5StoredType {
        let typeClass = try HDF5Library.call("H5Tget_class", path, failed: { $0.rawValue < 0 }) { H5Tget_class(id) }
        let size = try HDF5Library.call("H5Tget_size", path, failed: { $0 == 0 }) { H5Tget_size(id) }
        switch typeClass {
        case H5T_INTEGER:
            let sign = try HDF5Library.call("H5Tget_sign", path, failed: { $0.rawValue < 0 }) { H5Tget_sign(id) }
            return .integer(bytes: size, signed: sign == H5T_SGN_2)
        case H5T_FLOAT:
            return .float(bytes: size)
        case H5T_STRING:
            return .string(variableLength: try HDF5Library.truth("H5Tis_variable_str", path) { H5Tis_variable_str(id) })
        case H5T_ENUM:
            return .enumeration(bytes: size)
        default:
            return .other(typeClass: Int(typeClass.rawValue))
        }
    }

    /// The size of one element in bytes (for a variable-length string: of one pointer).
    ///
    /// The corresponding C function is `H5Tget_size`.
    public func byteCount() throws -> Int {
        try HDF5Library.call("H5Tget_size", path, failed: { $0 == 0 }) { H5Tget_size(id) }
    }

    /// The name of an enumeration member by value, or nil when no member has that value.
    ///
    /// The corresponding C function is `H5Tenum_nameof`.
    public func enumName(of value: UInt8) throws -> String? {
        var value = value
        var buffer = [CChar](repeating: 0, count: 256)
        guard HDF5Library.attempt(failed: { $0 < 0 }, { H5Tenum_nameof(id, &value, &buffer, buffer.count) }) != nil else {
            return nil
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
