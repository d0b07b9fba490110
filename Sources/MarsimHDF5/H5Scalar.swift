import CHDF5

/// The numeric element types MarsimHDF5 reads and writes, with their HDF5 counterparts.
public enum H5ScalarKind: String, Sendable, CaseIterable {
    case int8, uint8, int32, uint32, int64, uint64, float32, float64

    /// The type as HDF5 stores it, for comparing with `H5StoredType`.
    public var storedType: H5StoredType {
        switch self {
        case .int8: return .integer(bytes: 1, signed: true)
        case .uint8: return .integer(bytes: 1, signed: false)
        case .int32: return .integer(bytes: 4, signed: true)
        case .uint32: return .integer(bytes: 4, signed: false)
        case .int64: return .integer(bytes: 8, signed: true)
        case .uint64: return .integer(bytes: 8, signed: false)
        case .float32: return .float(bytes: 4)
        case .float64: return .float(bytes: 8)
        }
    }

    /// The in-memory type, e.g. `H5T_NATIVE_UINT64` (predefined: never closed).
    var memoryType: hid_t {
        switch self {
        case .int8: return marsim_H5T_NATIVE_INT8()
        case .uint8: return marsim_H5T_NATIVE_UINT8()
        case .int32: return marsim_H5T_NATIVE_INT32()
        case .uint32: return marsim_H5T_NATIVE_UINT32()
        case .int64: return marsim_H5T_NATIVE_INT64()
        case .uint64: return marsim_H5T_NATIVE_UINT64()
        case .float32: return marsim_H5T_NATIVE_FLOAT()
        case .float64: return marsim_H5T_NATIVE_DOUBLE()
        }
    }

    /// The type written to files: little-endian, whatever the machine, e.g. `H5T_STD_U64LE`.
    var fileType: hid_t {
        switch self {
        case .int8: return marsim_H5T_STD_I8LE()
        case .uint8: return marsim_H5T_STD_U8LE()
        case .int32: return marsim_H5T_STD_I32LE()
        case .uint32: return marsim_H5T_STD_U32LE()
        case .int64: return marsim_H5T_STD_I64LE()
        case .uint64: return marsim_H5T_STD_U64LE()
        case .float32: return marsim_H5T_IEEE_F32LE()
        case .float64: return marsim_H5T_IEEE_F64LE()
        }
    }
}

/// A Swift number type that maps one-to-one onto an HDF5 atomic type.
///
/// Reads convert from whatever type the file stores (HDF5 converts on `H5Dread`/`H5Aread`), so a
/// reader that must reject a wrong type compares `storedType()` with `h5Kind.storedType` first.
public protocol H5Scalar: BitwiseCopyable, Sendable {
    static var h5Kind: H5ScalarKind { get }
    /// Zero, to size read buffers.
    static var zero: Self { get }
}

extension Int8: H5Scalar { public static var h5Kind: H5ScalarKind { .int8 }; public static var zero: Int8 { 0 } }
extension UInt8: H5Scalar { public static var h5Kind: H5ScalarKind { .uint8 }; public static var zero: UInt8 { 0 } }
extension Int32: H5Scalar { public static var h5Kind: H5ScalarKind { .int32 }; public static var zero: Int32 { 0 } }
extension UInt32: H5Scalar { public static var h5Kind: H5ScalarKind { .uint32 }; public static var zero: UInt32 { 0 } }
extension Int64: H5Scalar { public static var h5Kind: H5ScalarKind { .int64 }; public static var zero: Int64 { 0 } }
extension UInt64: H5Scalar { public static var h5Kind: H5ScalarKind { .uint64 }; public static var zero: UInt64 { 0 } }
extension Float: H5Scalar { public static var h5Kind: H5ScalarKind { .float32 }; public static var zero: Float { 0 } }
extension Double: H5Scalar { public static var h5Kind: H5ScalarKind { .float64 }; public static var zero: Double { 0 } }

/// What an HDF5 dataset or attribute stores, as far as a reader checking a format cares.
public enum H5StoredType: Equatable, Sendable, CustomStringConvertible {
    case integer(bytes: Int, signed: Bool)
    case float(bytes: Int)
    /// A string; `variableLength` for `H5T_VARIABLE` strings, else fixed-size.
    case string(variableLength: Bool)
    /// An enumeration over an integer base of `bytes` bytes.
    case enumeration(bytes: Int)
    /// Any other type class (compound, array, reference …), by HDF5 class number.
    case other(typeClass: Int)

    public var description: String {
        switch self {
        case .integer(let bytes, let signed): return (signed ? "int" : "uint") + String(bytes * 8)
        case .float(let bytes): return "float" + String(bytes * 8)
        case .string(let variable): return variable ? "string (variable length)" : "string (fixed length)"
        case .enumeration(let bytes): return "enum over \(bytes * 8)-bit integers"
        case .other(let typeClass): return "HDF5 type class \(typeClass)"
        }
    }
}
