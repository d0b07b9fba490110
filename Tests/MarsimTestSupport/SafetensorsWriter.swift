import Foundation

/// One tensor to write: its dtype name as the header spells it, shape and raw little-endian bytes.
public struct TestTensor: Sendable {
    public var name: String
    public var dtype: String
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(name: String, dtype: String, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    public var elementCount: Int { shape.reduce(1, *) }

    public static func f32(_ name: String, _ shape: [Int], _ values: [Float]) -> TestTensor {
        precondition(values.count == shape.reduce(1, *))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 * values.count)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        return TestTensor(name: name, dtype: "F32", shape: shape, bytes: bytes)
    }

    /// The values of an F32 tensor.
    public var f32Values: [Float] {
        precondition(dtype == "F32")
        return (0..<elementCount).map { i in
            Float(bitPattern: UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24)
        }
    }

    /// This F32 tensor stored as F16 (round to nearest even, as torch's `.half()`).
    public func toF16() -> TestTensor {
        var out = TestTensor(name: name, dtype: "F16", shape: shape, bytes: [])
        for v in f32Values { withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { out.bytes += $0 } }
        return out
    }

    /// This F32 tensor stored as BF16 (round to nearest even, as torch's `.bfloat16()`).
    public func toBF16() -> TestTensor {
        var out = TestTensor(name: name, dtype: "BF16", shape: shape, bytes: [])
        for v in f32Values { withUnsafeBytes(of: Self.bf16Bits(v).littleEndian) { out.bytes += $0 } }
        return out
    }

    public static func bf16Bits(_ v: Float) -> UInt16 {
        if v.isNaN { return 0x7FC0 }
        let bits = v.bitPattern
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    /// The fp32 value an F16 rounding of `v` denotes.
    public static func f16Rounded(_ v: Float) -> Float {
        let half = Float16(v)
        return Float(half)
    }

    /// The fp32 value a BF16 rounding of `v` denotes.
    public static func bf16Rounded(_ v: Float) -> Float { Float(bitPattern: UInt32(bf16Bits(v)) << 16) }
}

/// Writes safetensors files the way the format defines them (DESIGN.md §3), so tests can build
/// valid files and then break them on purpose.
public enum SafetensorsWriter {
    /// The header JSON for `tensors`, laid out back to back in array order.
    public static func header(_ tensors: [TestTensor], metadata: [String: String]? = ["format": "pt"]) -> String {
        var entries: [String] = []
        if let metadata {
            let pairs = metadata.keys.sorted().map { "\(quote($0)):\(quote(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for t in tensors {
            let end = offset + t.bytes.count
            entries.append("\(quote(t.name)):{\"dtype\":\(quote(t.dtype)),\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        return "{" + entries.joined(separator: ",") + "}"
    }

    /// A complete file: `tensors` with a generated header.
    public static func file(_ tensors: [TestTensor], metadata: [String: String]? = ["format": "pt"]) -> Data {
        file(header: header(tensors, metadata: metadata), data: tensors.flatMap(\.bytes))
    }

    /// A file from a header text (padded with spaces to a multiple of 8, as the reference writer
    /// does) and raw data bytes.
    public static func file(header: String, data: [UInt8]) -> Data {
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        return file(headerBytes: headerBytes, declaredLength: UInt64(headerBytes.count), data: data)
    }

    /// A file whose length field may lie about the header bytes that follow it.
    public static func file(headerBytes: [UInt8], declaredLength: UInt64, data: [UInt8]) -> Data {
        var out = Data()
        withUnsafeBytes(of: declaredLength.littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        out.append(contentsOf: data)
        return out
    }

    public static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where ch.value < 0x20: out += String(format: "\\u%04x", ch.value)
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}
