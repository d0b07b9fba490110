// Chunked (many-token) projections: out (n × fanOut) = X (n × fanIn) · Wᵀ + b, on OpenBLAS's SGEMM.
// Legend: n tokens (rows of X and out), fanIn, fanOut. Outputs first, then inputs.
import COpenBLAS
import Dispatch
import Foundation
import MarsimCheckpoint

/// OpenBLAS, loaded at run time.
///
/// Why not linked: Debian's OpenBLAS (0.3.21, DYNAMIC_ARCH) picks its kernels from the CPU's model
/// when it loads, and in virtual machines that report a generic CPU model it falls back to its
/// SSE3 "Prescott" kernels — 4–5× slower (measured here: 27 vs 127 GFLOP/s on one core). So marsim
/// chooses the kernel family from the CPU's feature flags (`OPENBLAS_CORETYPE` = SkylakeX with
/// AVX-512, Haswell with AVX2 + FMA) *before* loading the library, unless the user set
/// `OPENBLAS_CORETYPE` already, which is always respected.
///
/// OpenBLAS runs single-threaded; marsim spreads the blocks of a product over its own workers.
/// OpenBLAS picks kernels (and so summation orders) by matrix size and thread count, so letting it
/// thread itself would make results depend on the thread count; fixed-size blocks, each one
/// single-threaded SGEMM, give the same arithmetic for every output whatever the count.
public struct BLASLibrary: @unchecked Sendable {
    let sgemm: marsim_cblas_sgemm_fn
    /// OpenBLAS's name for the kernel family in use (e.g. `SkylakeX`, `Haswell`).
    public let coreName: String

    /// Whether SGEMM reads a transposed weight operand (row-major W used as Wᵀ in place) about as
    /// fast as a column-major one. Measured: SkylakeX kernels 69 vs 137 GFLOP/s (so marsim transposes
    /// each block into a panel first); Haswell kernels on a Zen 3 core 78 vs 81 GFLOP/s with the
    /// panel in cache, and in the model a cold panel made OpenBLAS's own packing 18% of the run
    /// (so marsim hands it the weights where they lie).
    public var readsTransposedWeightsFast: Bool { coreName != "SkylakeX" }

    /// The library, loaded on first use.
    public static let shared: BLASLibrary = {
        do { return try load() } catch { fatalError("\(error)") }
    }()

    /// The kernel family marsim asks for on this CPU (nil: leave OpenBLAS's own choice).
    static func preferredCoreType() -> String? {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    static func load() throws -> BLASLibrary {
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, let core = preferredCoreType() {
            setenv("OPENBLAS_CORETYPE", core, 0)
        }
        var handle: UnsafeMutableRawPointer? = nil
        for name in ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"] {
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
            if handle != nil { break }
        }
        guard let handle, let sgemm = dlsym(handle, "cblas_sgemm"), let threads = dlsym(handle, "openblas_set_num_threads") else {
            throw EngineError("cannot load OpenBLAS (libopenblas.so.0): install libopenblas-dev (or libopenblas0)")
        }
        typealias SetThreads = @convention(c) (Int32) -> Void
        unsafeBitCast(threads, to: SetThreads.self)(1)
        var coreName = "unknown"
        if let corename = dlsym(handle, "openblas_get_corename") {
            typealias CoreName = @convention(c) () -> UnsafeMutablePointer<CChar>?
            if let name = unsafeBitCast(corename, to: CoreName.self)() { coreName = String(cString: name) }
        }
        return BLASLibrary(sgemm: unsafeBitCast(sgemm, to: marsim_cblas_sgemm_fn.self), coreName: coreName)
    }
}

/// An engine failure that is not the user's input (e.g. a missing system library).
public struct EngineError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Output channels per SGEMM call: fixed (never derived from the thread count), wide enough that
/// packing the chunk's inputs again for each block costs a few percent at most.
let gemmBlockOutputs = 1024

/// out (n × fanOut) = x (n × fanIn) · Wᵀ (+ b per row), for any layout and element type of `p`.
///
/// The outputs are cut into blocks of `gemmBlockOutputs` channels, each a single-threaded SGEMM,
/// spread over `threads` workers: results are identical for every thread count. fp32 weights are
/// used where they lie when column-major (W already is Wᵀ row-major), and when row-major on kernel
/// families that read a transposed operand fast (`BLASLibrary.readsTransposedWeightsFast`). Otherwise
/// each block is widened (bf16, f16) — and, where transposed reads are slow, transposed — into a
/// block-sized scratch panel, so no second copy of the model ever exists.
///
/// - transposedInPlace: read row-major weights as Wᵀ where they lie (default: what this machine's
///   kernel family does fast); tests run both ways.
func gemmProject(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, tokens n: Int, _ p: Projection, threads: Int,
                 transposedInPlace: Bool = BLASLibrary.shared.readsTransposedWeightsFast) {
    let fanIn = p.fanIn, fanOut = p.fanOut
    guard n > 0, fanOut > 0 else { return }
    guard fanIn > 0 else {
        for t in 0..<n { initializeRow(out + t * fanOut, bias: p.bias, count: fanOut) }
        return
    }
    let cblas_sgemm = BLASLibrary.shared.sgemm
    let blocks = (fanOut + gemmBlockOutputs - 1) / gemmBlockOutputs
    let workers = min(max(1, threads), blocks, n * fanIn * fanOut >= 1 << 20 ? Int.max : 1)
    let outAddress = Int(bitPattern: out), xAddress = Int(bitPattern: x)
    let storage = p.storage, layout = p.layout
    let work: @Sendable (Int) -> Void = { w in
        let out = UnsafeMutablePointer<Float>(bitPattern: outAddress)!, x = UnsafePointer<Float>(bitPattern: xAddress)!
        let M = Int32(n), K = Int32(fanIn), ldc = Int32(fanOut)
        var scratch: UnsafeMutablePointer<Float>? = nil
        defer { scratch?.deallocate() }
        var b = w
        while b < blocks {
            let lo = b * gemmBlockOutputs, width = min(gemmBlockOutputs, fanOut - lo)
            let N = Int32(width)
            switch layout {
            case .columnMajor:
                cblas_sgemm(MarsimCblasRowMajor, MarsimCblasNoTrans, MarsimCblasNoTrans, M, N, K, 1, x, K, storage.f32 + lo, ldc, 0, out + lo, ldc)
            case .rowMajor where transposedInPlace && storage.element == .f32:
                cblas_sgemm(MarsimCblasRowMajor, MarsimCblasNoTrans, MarsimCblasTrans, M, N, K, 1, x, K, storage.f32 + lo * fanIn, K, 0, out + lo, ldc)
            case .rowMajor where transposedInPlace:
                if scratch == nil { scratch = .allocate(capacity: gemmBlockOutputs * fanIn) }
                storage.widen((lo * fanIn)..<((lo + width) * fanIn), into: scratch!)
                cblas_sgemm(MarsimCblasRowMajor, MarsimCblasNoTrans, MarsimCblasTrans, M, N, K, 1, x, K, scratch!, K, 0, out + lo, ldc)
            case .rowMajor:
                if scratch == nil { scratch = .allocate(capacity: gemmBlockOutputs * fanIn) }
                storage.widenTransposed(rows: lo..<(lo + width), columns: fanIn, into: scratch!)
                cblas_sgemm(MarsimCblasRowMajor, MarsimCblasNoTrans, MarsimCblasNoTrans, M, N, K, 1, x, K, scratch!, N, 0, out + lo, ldc)
            }
            b += workers
        }
    }
    if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
    if let bias = p.bias {
        bias.withUnsafeBufferPointer { b in
            for t in 0..<n {
                let row = out + t * fanOut
                for o in 0..<fanOut { row[o] = row[o] + b[o] }
            }
        }
    }
}

/// A row of outputs set to the bias (or zero).
@inline(__always)
func initializeRow(_ row: UnsafeMutablePointer<Float>, bias: [Float]?, count: Int) {
    if let bias {
        bias.withUnsafeBufferPointer { row.update(from: $0.baseAddress!, count: count) }
    } else {
        row.update(repeating: 0, count: count)
    }
}

/// The chunked GEMM as benchmarks call it (out n × fanOut = x n × fanIn · Wᵀ).
public enum DenseKernelBench {
    public static func gemm(_ out: inout [Float], _ x: [Float], tokens n: Int, _ p: Projection, threads: Int) {
        precondition(out.count >= n * p.fanOut && x.count >= n * p.fanIn)
        out.withUnsafeMutableBufferPointer { o in
            x.withUnsafeBufferPointer { gemmProject(o.baseAddress!, $0.baseAddress!, tokens: n, p, threads: threads) }
        }
    }
}
