import MarsimTestSupport
import Foundation
@testable import MarsimCheckpoint
import Testing

/// Widening of stored element types to fp32, and checkpoints re-saved in F16 / BF16.
@Suite("Dtypes")
struct DTypeTests {
    @Test("F16 → F32 is exact for all 65,536 bit patterns (subnormals, ±0, ±inf, NaN)")
    func halfExhaustive() {
        let patterns = (0...UInt16.max).map { $0.littleEndian }
        let widened = patterns.withUnsafeBytes { DTypeConversion.widen($0, dtype: .f16, count: patterns.count) }
        var mismatches = 0
        for (bits, value) in zip(0...UInt16.max, widened) {
            let expected = Float(Float16(bitPattern: bits))
            if expected.isNaN ? !value.isNaN : value.bitPattern != expected.bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
        // Spot checks that do not rely on the platform's Float16.
        #expect(widened[0x0001] == 0x1p-24)  // smallest subnormal
        #expect(widened[0x03FF] == 1023 * 0x1p-24)  // largest subnormal
        #expect(widened[0x8001] == -0x1p-24)
        #expect(widened[0x7C00] == .infinity && widened[0xFC00] == -.infinity)
        #expect(widened[0x8000].sign == .minus && widened[0x8000] == 0)
    }

    @Test("BF16 → F32 is exact: the 16 bits become the top half of the float")
    func bfloatExact() {
        let values: [Float] = [0, -0, 1, -2.5, .infinity, -.infinity, 0x1p-133, 3.140625, -65280, .greatestFiniteMagnitude]
        let bits = values.map { TestTensor.bf16Bits($0).littleEndian }
        let widened = bits.withUnsafeBytes { DTypeConversion.widen($0, dtype: .bf16, count: bits.count) }
        for (v, w) in zip(values, widened) { #expect(w.bitPattern == TestTensor.bf16Rounded(v).bitPattern) }
        let nan = [UInt16(0x7FC1).littleEndian].withUnsafeBytes { DTypeConversion.widen($0, dtype: .bf16, count: 1) }
        #expect(nan[0].isNaN)
    }

    /// tiny-mamba2-bytes re-saved as `dtype`: every loaded weight equals the rounding of the F32
    /// original exactly (widening is exact, so the only error is the rounding when saving), and
    /// lies within that rounding's bound of the original: relative 2^-8 for BF16 (8 significand
    /// bits: half an ulp of 2^-7), relative 2^-11 for F16 normals (11 bits) plus 2^-25 absolute (half
    /// the subnormal spacing 2^-24) for values in F16's subnormal range.
    @Test("tiny-mamba2-bytes re-saved as BF16 / F16 loads the rounded F32 weights exactly", arguments: ["BF16", "F16"])
    func resavedFixture(dtype: String) throws {
        let original = try CheckpointFiles.fixture(FixturePaths.tinyMamba2Bytes)
        let reference = try loadWritten(original).model
        let converted = original.converted { dtype == "BF16" ? $0.toBF16() : $0.toF16() }
        let checkpoint = try loadWritten(converted)
        #expect(Set(checkpoint.store.tensors.values.map(\.dtype.rawValue)) == [dtype])
        #expect(checkpoint.storedBytes == 2 * reference.namedArrays.reduce(0) { $0 + $1.values.count })
        func rounded(_ v: Float) -> Float { dtype == "BF16" ? TestTensor.bf16Rounded(v) : TestTensor.f16Rounded(v) }
        let relative: Float = dtype == "BF16" ? 0x1p-8 : 0x1p-11
        var inexact = 0, outOfBound = 0, compared = 0
        for (ref, got) in zip(reference.namedArrays, checkpoint.model.namedArrays) {
            #expect(ref.name == got.name)
            for (r, g) in zip(ref.values, got.values) {
                compared += 1
                if g.bitPattern != rounded(r).bitPattern { inexact += 1 }
                if abs(g - r) > relative * abs(r) + (dtype == "F16" ? 0x1p-25 : 0) { outOfBound += 1 }
            }
        }
        #expect(compared == reference.namedArrays.reduce(0) { $0 + $1.values.count })
        #expect(inexact == 0)
        #expect(outOfBound == 0)
    }

    @Test("F64 weights load as the nearest fp32 (exact for values that came from fp32)")
    func float64() throws {
        let files = CheckpointFiles.bamba()
        let f64 = files.converted { t in
            var out = TestTensor(name: t.name, dtype: "F64", shape: t.shape, bytes: [])
            for v in t.f32Values { withUnsafeBytes(of: Double(v).bitPattern.littleEndian) { out.bytes += $0 } }
            return out
        }
        let a = try loadWritten(files), b = try loadWritten(f64)
        #expect(b.storedBytes == 2 * a.storedBytes)
        for (x, y) in zip(a.model.namedArrays, b.model.namedArrays) { #expect(x.values == y.values, "\(x.name)") }
    }

    @Test("Values that are exactly representable in BF16 survive a BF16 round trip bit for bit")
    func bf16RepresentableRoundTrip() throws {
        var files = CheckpointFiles.mamba2()
        files.tensors = files.tensors.map { t in .f32(t.name, t.shape, t.f32Values.map(TestTensor.bf16Rounded)) }
        let f32 = try loadWritten(files).model
        let bf16 = try loadWritten(files.converted { $0.toBF16() }).model
        for (a, b) in zip(f32.namedArrays, bf16.namedArrays) {
            #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern), "\(a.name)")
        }
    }
}
