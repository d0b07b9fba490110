import Foundation

/// Element types a safetensors file may hold that marsim can widen to fp32.
public enum TensorDType: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    /// Whether values of this type are weights marsim computes with (F32, F16, BF16, F64).
    public var isFloatingPoint: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64: return true
        default: return false
        }
    }

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }
}

/// Where one tensor lives inside a safetensors file.
public struct TensorInfo: Sendable, Equatable {
    /// The tensor's name in the header.
    public var name: String
    /// Its stored element type.
    public var dtype: TensorDType
    /// Its shape, outermost dimension first (row-major data).
    public var shape: [Int]
    /// Byte range relative to the start of the data buffer (after the header).
    public var dataOffsets: Range<Int>
    /// The file holding it.
    public var file: URL

    /// Elements in the tensor (the product of the shape; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// One memory-mapped safetensors file: an 8-byte little-endian header length N, N bytes of JSON,
/// then the row-major little-endian tensor data (DESIGN.md §3).
///
/// Opening validates the whole header: its length (≤ 100 MB and within the file), its JSON, every
/// dtype, that each tensor's byte range matches its shape × dtype size, and that the ranges neither
/// overlap nor leave gaps in the buffer. Nothing is widened until `floats(_:)` asks.
public final class SafetensorsFile: @unchecked Sendable {
    /// The largest header marsim accepts (the format's own limit).
    public static let maxHeaderBytes = 100_000_000

    /// The file.
    public let url: URL
    /// Every tensor in the header, by name.
    public let tensors: [String: TensorInfo]
    /// The header's `__metadata__` (non-string values are kept as their description).
    public let metadata: [String: String]
    /// The whole file, mapped read-only.
    public let mapping: MappedFile
    private let dataStart: Int

    /// Bytes before the tensor data: the 8-byte length and the JSON header.
    public var headerEnd: Int { dataStart }

    /// Maps `url` and validates its header (see the type's description).
    ///
    /// - Throws: `CheckpointError.missingFile`, or `.malformedSafetensors` naming the file and
    ///   the first problem found.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw CheckpointError.missingFile(path: path, hint: "")
        }
        let data = try MappedFile(url: url)
        guard data.count >= 8 else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "file is \(data.count) bytes, shorter than the 8-byte header length")
        }
        let headerLength = UInt64(littleEndian: data.base.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "header length \(headerLength) exceeds the 100 MB limit")
        }
        guard headerLength <= UInt64(data.count - 8) else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "header length \(headerLength) runs past the end of the \(data.count)-byte file (truncated?)")
        }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(data.bytes(8..<headerEnd)))
        } catch {
            throw CheckpointError.malformedSafetensors(path: path, reason: "header is not valid JSON")
        }
        guard let header = json as? [String: Any] else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "header is not a JSON object")
        }
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let entries = value as? [String: Any] else {
                    throw CheckpointError.malformedSafetensors(path: path, reason: "__metadata__ is not an object")
                }
                for (key, entry) in entries { metadata[key] = entry as? String ?? "\(entry)" }
                continue
            }
            tensors[name] = try Self.parseEntry(name: name, value: value, url: url)
        }
        try Self.checkCoverage(tensors: Array(tensors.values), bufferBytes: data.count - headerEnd, path: path)
        self.tensors = tensors
        self.metadata = metadata
        self.mapping = data
        self.dataStart = headerEnd
    }

    private static func parseEntry(name: String, value: Any, url: URL) throws -> TensorInfo {
        let path = url.path
        func bad(_ reason: String) -> CheckpointError {
            .malformedSafetensors(path: path, reason: "tensor '\(name)': \(reason)")
        }
        guard let entry = value as? [String: Any] else { throw bad("entry is not an object") }
        guard let dtypeName = entry["dtype"] as? String else { throw bad("missing dtype") }
        guard let dtype = TensorDType(rawValue: dtypeName) else {
            throw bad("unknown dtype '\(dtypeName)' (supported: \(TensorDType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let shapeValues = entry["shape"] as? [Any] else { throw bad("missing shape") }
        var shape: [Int] = []
        for dim in shapeValues {
            guard let number = dim as? NSNumber, !Self.isJSONBool(dim), number.doubleValue == number.doubleValue.rounded(),
                  number.doubleValue >= 0, number.doubleValue < 1e15 else {
                throw bad("shape \(shapeValues) has an entry that is not a non-negative integer")
            }
            shape.append(number.intValue)
        }
        guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2,
              let begin = (offsets[0] as? NSNumber)?.doubleValue, let end = (offsets[1] as? NSNumber)?.doubleValue,
              begin >= 0, end >= begin, end < 1e15, begin == begin.rounded(), end == end.rounded() else {
            throw bad("data_offsets must be two integers [begin, end] with begin ≤ end")
        }
        var elements = 1
        for dim in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow, product < 1 << 48 else { throw bad("shape \(shape) is too large") }
            elements = product
        }
        let range = Int(begin)..<Int(end)
        guard range.count == elements * dtype.size else {
            throw bad("data_offsets span \(range.count) bytes but shape \(shape) × \(dtype.rawValue) needs \(elements * dtype.size)")
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: range, file: url)
    }

    /// JSONSerialization returns booleans as a distinct NSNumber subclass (`true` must not read as 1).
    private static func isJSONBool(_ value: Any) -> Bool {
        String(describing: type(of: value)).contains("Boolean")
    }

    private static func checkCoverage(tensors: [TensorInfo], bufferBytes: Int, path: String) throws {
        let sorted = tensors.sorted { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound) }
        var cursor = 0
        for tensor in sorted {
            let range = tensor.dataOffsets
            if range.upperBound > bufferBytes {
                throw CheckpointError.malformedSafetensors(path: path, reason: "tensor '\(tensor.name)' data_offsets \(range.lowerBound)..\(range.upperBound) lie beyond the \(bufferBytes)-byte data buffer (truncated?)")
            }
            if range.lowerBound < cursor {
                throw CheckpointError.malformedSafetensors(path: path, reason: "tensor '\(tensor.name)' data_offsets overlap another tensor's")
            }
            if range.lowerBound > cursor {
                throw CheckpointError.malformedSafetensors(path: path, reason: "bytes \(cursor)..\(range.lowerBound) of the data buffer belong to no tensor")
            }
            cursor = range.upperBound
        }
        if cursor != bufferBytes {
            throw CheckpointError.malformedSafetensors(path: path, reason: "the data buffer has \(bufferBytes - cursor) trailing bytes that belong to no tensor")
        }
    }

    /// The raw bytes of a tensor (little-endian, row-major), without copying.
    public func withRawBytes<R>(_ info: TensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(mapping.bytes(fileRange(info)))
    }

    /// Where a tensor's bytes lie in the file.
    public func fileRange(_ info: TensorInfo) -> Range<Int> {
        (dataStart + info.dataOffsets.lowerBound)..<(dataStart + info.dataOffsets.upperBound)
    }

    /// The tensor's values used in place (no copy), when its element type is one the kernels compute
    /// from (F32, F16, BF16) and its bytes are aligned for it; nil otherwise.
    public func view(_ info: TensorInfo) -> WeightStorage? {
        view(of: fileRange(info), dtype: info.dtype)
    }

    /// Bytes `range` of the file viewed as elements of `dtype` (see `view(_:)`).
    public func view(of range: Range<Int>, dtype: TensorDType) -> WeightStorage? {
        let element: WeightElement
        switch dtype {
        case .f32: element = .f32
        case .f16: element = .f16
        case .bf16: element = .bf16
        default: return nil
        }
        let start = mapping.base + range.lowerBound
        guard Int(bitPattern: start) % element.size == 0 else { return nil }
        return WeightStorage(view: start, count: range.count / element.size, element: element, owner: mapping)
    }

    /// A tensor widened to fp32 (F16 and BF16 exactly; integers by value).
    public func floats(_ name: String) throws -> [Float] {
        guard let info = tensors[name] else {
            throw CheckpointError.malformedSafetensors(path: url.path, reason: "no tensor '\(name)'")
        }
        return withRawBytes(info) { DTypeConversion.widen($0, dtype: info.dtype, count: info.elementCount) }
    }
}

/// Widening of stored element types to fp32.
public enum DTypeConversion {
    /// Reads `count` little-endian elements of `dtype` from `bytes` as fp32.
    public static func widen(_ bytes: UnsafeRawBufferPointer, dtype: TensorDType, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            switch dtype {
            case .f32:
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .f16:
                for i in 0..<count { out[i] = Float(halfBits: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case .bf16:
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
            case .f64:
                for i in 0..<count { out[i] = Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
            case .i64:
                for i in 0..<count { out[i] = Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
            case .i32:
                for i in 0..<count { out[i] = Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            case .i16:
                for i in 0..<count { out[i] = Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
            case .i8:
                for i in 0..<count { out[i] = Float(bytes.load(fromByteOffset: i, as: Int8.self)) }
            case .u8, .bool:
                for i in 0..<count { out[i] = Float(bytes[i]) }
            }
            initialized = count
        }
    }
}

extension Float {
    /// IEEE 754 binary16 → binary32, exact for every value (subnormals, infinities, NaN).
    init(halfBits h: UInt16) {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            // zero or subnormal: mantissa × 2^-24
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            self = sign == 0 ? magnitude : -magnitude
        } else if exponent == 31 {
            self = Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        } else {
            self = Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }
}
