import Dispatch
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimTrace

// MARK: - Machine

/// Facts about the machine and the process.
enum Machine {
    static func loadAverage() -> [Double] {
        var loads = [Double](repeating: 0, count: 3)
        return getloadavg(&loads, 3) == 3 ? loads : []
    }

    /// Resets the resident-set high-water mark (Linux: /proc/self/clear_refs ← 5), so that buffers
    /// of the limit measurements do not count; false when the kernel does not allow it.
    @discardableResult static func resetPeakResident() -> Bool {
        #if os(Linux)
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
        #else
        return false
        #endif
    }

    /// The resident-set high-water mark in bytes (VmHWM since the last reset on Linux, else ru_maxrss).
    static func peakResidentBytes() -> Int {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kB = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
            return kB * 1024
        }
        #endif
        return maxResidentBytes()
    }

    /// getrusage's ru_maxrss in bytes (never reset).
    static func maxResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}

/// Progress notes on stderr.
public struct BenchLog {
    public var quiet: Bool
    public init(quiet: Bool) { self.quiet = quiet }
    public mutating func note(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(("bench: " + text + "\n").utf8))
    }
}

/// The machine's limits, measured once per bench run.
struct Limits: Encodable {
    enum CodingKeys: String, CodingKey {
        case bandwidthGBs = "bandwidth_gbs", bandwidth1ThreadGBs = "bandwidth_1thread_gbs"
        case addsPerSecond = "adds_per_second", addsPerSecondCached = "adds_per_second_cached"
    }

    var bandwidthGBs: Double
    var bandwidth1ThreadGBs: Double
    /// Adds per second with every weight streamed from DRAM (512 MiB of 8 KB columns): the spiking bound's divisor.
    var addsPerSecond: Double
    /// The same with the columns in cache (256 KB).
    var addsPerSecondCached: Double

    func summary(threads: Int) -> String {
        String(format: "bandwidth %.1f GB/s (%d threads), %.1f GB/s (1 thread); adds %.2f G/s from DRAM, %.1f G/s cached",
               bandwidthGBs, threads, bandwidth1ThreadGBs, addsPerSecond / 1e9, addsPerSecondCached / 1e9)
    }

    /// Measures the limits over `data` (at least 256 MiB, e.g. a large model's embedding: no extra
    /// memory) or, when nil, over a fresh 512 MiB buffer. Bandwidth is the best of one and four
    /// streams per thread (the bound must be the most the machine can read).
    static func measure(threads: Int, data: UnsafeBufferPointer<Float>? = nil, repeats: Int = 5) -> Limits {
        func measure(_ data: UnsafeBufferPointer<Float>) -> Limits {
            func bandwidth(_ threads: Int) -> Double {
                max(MachineLimits.readBandwidth(data, threads: threads, streams: 1, repeats: repeats),
                    MachineLimits.readBandwidth(data, threads: threads, streams: 4, repeats: repeats))
            }
            let bw = bandwidth(threads)
            let bw1 = threads > 1 ? bandwidth(1) : bw
            let cold = MachineLimits.addThroughput(data, threads: threads, minimumAdds: min(data.count, 1 << 28), repeats: repeats)
            let cached = MachineLimits.addThroughput(bytes: 256 << 10, threads: threads, minimumAdds: 1 << 28, repeats: repeats)
            return Limits(bandwidthGBs: bw / 1e9, bandwidth1ThreadGBs: bw1 / 1e9, addsPerSecond: cold, addsPerSecondCached: cached)
        }
        if let data { return measure(data) }
        let n = (512 << 20) / MemoryLayout<Float>.size
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { buffer.deallocate() }
        MachineLimits.fillDistinct(buffer, count: n)
        return measure(UnsafeBufferPointer(start: buffer, count: n))
    }

    /// Each figure's median over several measurements.
    static func median(_ all: [Limits]) -> Limits {
        func m(_ f: (Limits) -> Double) -> Double { Timing(all.map(f)).median }
        return Limits(bandwidthGBs: m(\.bandwidthGBs), bandwidth1ThreadGBs: m(\.bandwidth1ThreadGBs), addsPerSecond: m(\.addsPerSecond),
                      addsPerSecondCached: m(\.addsPerSecondCached))
    }
}

/// Per-token times in milliseconds.
struct Timing: Encodable {
    var median: Double
    var min: Double
    var max: Double
    var samples: Int

    init(_ values: [Double]) {
        let s = values.sorted()
        median = s.median ?? 0
        min = s.first ?? 0
        max = s.last ?? 0
        samples = s.count
    }
}

@inline(__always) func milliseconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}
