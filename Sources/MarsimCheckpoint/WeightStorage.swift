import Foundation

/// The element type a weight matrix is computed from: the checkpoint's own storage type, widened
/// to fp32 in registers by the kernels (so a bf16 checkpoint streams half the bytes of an fp32 one).
public enum WeightElement: String, Sendable, CaseIterable {
    case f32, f16, bf16

    /// Bytes per element.
    public var size: Int { self == .f32 ? 4 : 2 }
}

/// The values of one weight matrix (or vector): either owned by marsim, or a view into a
/// memory-mapped safetensors file, in the element type the file stores.
///
/// Views are what make loading cheap: a real checkpoint's projections are used where they lie in
/// the page cache (no copy, no transpose), so loading costs a header parse and resident memory
/// stays at one copy of the weights. The storage keeps its owner (the mapping) alive.
public final class WeightStorage: @unchecked Sendable {
    /// The stored element type.
    public let element: WeightElement
    /// Number of elements.
    public let count: Int
    /// The first element (never nil, even when `count` is 0).
    public let base: UnsafeRawPointer
    /// Whether the values live in a mapped file rather than in marsim's own memory.
    public let isMapped: Bool
    private let owner: AnyObject?
    private let allocation: UnsafeMutableRawPointer?

    /// Owned fp32 values (a copy of `floats`).
    public convenience init(floats: [Float]) {
        self.init(element: .f32, count: floats.count) { raw in
            floats.withUnsafeBytes { src in if let s = src.baseAddress { raw.copyMemory(from: s, byteCount: src.count) } }
        }
    }

    /// Owned storage of `count` elements of `element`, filled by `fill` (which receives
    /// count × element.size writable bytes, 64-byte aligned).
    public init(element: WeightElement, count: Int, fill: (UnsafeMutableRawPointer) throws -> Void) rethrows {
        let bytes = max(count * element.size, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        do { try fill(raw) } catch { raw.deallocate(); throw error }
        self.element = element
        self.count = count
        self.base = UnsafeRawPointer(raw)
        self.allocation = raw
        self.owner = nil
        self.isMapped = false
    }

    /// A view of `count` elements at `base`, kept valid by `owner` (e.g. a mapped file).
    public init(view base: UnsafeRawPointer, count: Int, element: WeightElement, owner: AnyObject) {
        self.element = element
        self.count = count
        self.base = base
        self.owner = owner
        self.allocation = nil
        self.isMapped = true
    }

    deinit { allocation?.deallocate() }

    /// The mapped file a view lies in (nil for owned storage).
    var ownerMapping: MappedFile? { owner as? MappedFile }

    /// Bytes the values occupy.
    public var byteCount: Int { count * element.size }

    /// The values as fp32 (precondition: `element == .f32`).
    @inlinable public var f32: UnsafePointer<Float> {
        precondition(element == .f32, "fp32 weights expected, found \(element)")
        return base.assumingMemoryBound(to: Float.self)
    }

    /// The raw 16-bit values of f16/bf16 storage (precondition: element is f16 or bf16).
    @inlinable public var halves: UnsafePointer<UInt16> {
        precondition(element != .f32, "16-bit weights expected, found \(element)")
        return base.assumingMemoryBound(to: UInt16.self)
    }

    /// Element `i` widened to fp32.
    public func value(at i: Int) -> Float {
        switch element {
        case .f32: return base.load(fromByteOffset: 4 * i, as: Float.self)
        case .bf16: return Float(bitPattern: UInt32(base.load(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
        case .f16: return Float(halfBits: base.load(fromByteOffset: 2 * i, as: UInt16.self))
        }
    }

    /// Elements `range` widened to fp32 into `out`.
    public func widen(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        switch element {
        case .f32:
            out.update(from: f32 + range.lowerBound, count: range.count)
        case .bf16:
            let h = halves + range.lowerBound
            for j in 0..<range.count { out[j] = Float(bitPattern: UInt32(h[j]) << 16) }
        case .f16:
            let h = halves + range.lowerBound
            for j in 0..<range.count { out[j] = Float(Float16(bitPattern: h[j])) }
        }
    }

    /// Rows `rows` of this row-major matrix of `columns` columns, widened to fp32 and transposed into
    /// `out` (columns × rows.count, row-major): out[k · width + j] = W[rows.lowerBound + j, k]. Tiles
    /// of 8 rows × 64 columns keep both sides in L1. (Column-major copies and GEMM panels both use it.)
    public func widenTransposed(rows: Range<Int>, columns K: Int, into out: UnsafeMutablePointer<Float>) {
        let width = rows.count
        let tileRows = 8, tileColumns = 64
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * tileColumns)
        defer { tile.deallocate() }
        var j0 = 0
        while j0 < width {
            let jn = min(tileRows, width - j0)
            var k0 = 0
            while k0 < K {
                let kn = min(tileColumns, K - k0)
                for j in 0..<jn {
                    let start = (rows.lowerBound + j0 + j) * K + k0
                    widen(start..<(start + kn), into: tile + j * tileColumns)
                }
                for k in 0..<kn {
                    let dst = out + (k0 + k) * width + j0
                    for j in 0..<jn { dst[j] = tile[j * tileColumns + k] }
                }
                k0 += kn
            }
            j0 += jn
        }
    }

    /// Every value widened to fp32 (a copy; for tests and small tensors).
    public func widened() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, n in
            if count > 0 { widen(0..<count, into: out.baseAddress!) }
            n = count
        }
    }
}

/// A read-only private memory mapping of a whole file, unmapped when released.
public final class MappedFile: @unchecked Sendable {
    /// The file.
    public let url: URL
    /// The first byte (a valid pointer even for an empty file).
    public let base: UnsafeRawPointer
    /// The file's size in bytes.
    public let count: Int
    private let mapping: UnsafeMutableRawPointer?

    /// Maps `url` read-only.
    ///
    /// - Throws: a `CheckpointError.malformedSafetensors` naming the file when it cannot be opened or mapped.
    public init(url: URL) throws {
        self.url = url
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw CheckpointError.malformedSafetensors(path: url.path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CheckpointError.malformedSafetensors(path: url.path, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError.malformedSafetensors(path: url.path, reason: "is not a regular file")
        }
        count = Int(info.st_size)
        if count == 0 {
            mapping = nil
            base = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 8))
            return
        }
        guard let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw CheckpointError.malformedSafetensors(path: url.path, reason: "cannot map: \(String(cString: strerror(errno)))")
        }
        mapping = p
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let mapping { munmap(mapping, count) } else { UnsafeMutableRawPointer(mutating: base).deallocate() }
    }

    /// The bytes `range` of the file.
    public func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// Maps every page of `range` into this process now (they must already be, or will be read
    /// from, the page cache), so the first pass over the weights does not pay one page fault per
    /// few pages. llama.cpp does the same at load (`MAP_POPULATE`): at 1.3B bf16 the faults cost
    /// the first decoded token 0.2–0.5 s. A no-op where the kernel lacks `MADV_POPULATE_READ` (before 5.14).
    public func populate(_ range: Range<Int>) {
        guard let mapping, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lo = range.lowerBound / page * page, hi = min(count, (range.upperBound + page - 1) / page * page)
        guard hi > lo else { return }
        let populateRead: Int32 = 22  // MADV_POPULATE_READ (Linux 5.14)
        _ = madvise(mapping + lo, hi - lo, populateRead)
    }

    /// Tells the kernel the pages of `range` are not needed soon: they leave this process's resident
    /// set (they stay in the page cache), so reading a file once does not count as holding it.
    public func release(_ range: Range<Int>) {
        guard let mapping, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lo = (range.lowerBound + page - 1) / page * page, hi = range.upperBound / page * page
        guard hi > lo else { return }
        _ = madvise(mapping + lo, hi - lo, MADV_DONTNEED)
    }
}
