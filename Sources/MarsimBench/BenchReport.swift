import Dispatch
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimTrace

// MARK: - Report

public struct BenchReport: Encodable {
    struct MachineInfo: Encodable {
        var cpu: String
        var cores: Int
        var memory_bytes: UInt64
        var load_average_start: [Double]
        var load_average_end: [Double]
    }

    struct SpikingSummary: Encodable {
        var rate: Double
        var ms_per_token: Double
        var events: Double
        var bound: Double
    }

    var shape: String
    var threads: Int
    var machine: MachineInfo
    var bandwidth_gbs: Double
    var bandwidth_1thread_gbs: Double
    var adds_per_second: Double
    var adds_per_second_cached: Double
    /// The limits as measured before the model was built (over a fresh 512 MiB buffer), then after each
    /// timed round (over the model's embedding); the figures above are the medians of the rounds.
    var limits_measured: [Limits]
    var weight_bytes: Int
    var weight_bytes_per_token: Int
    var dense_ms_per_token: Double
    var dense_ms_per_token_min: Double
    var dense_ms_per_token_max: Double
    var dense_1thread_ms_per_token: Double?
    var dense_bound_ms_per_token: Double
    var dense_bandwidth_fraction: Double
    /// Per firing rate: rate reached, ms per token (median), events per token, bound (ms, ACs ÷ adds/s).
    var spiking: [SpikingSummary]
    var spiking_fixed_ms_per_token: Double
    var spiking_proportionality_spread: Double
    var trace_overhead: [String: Double]
    var peak_rss_bytes: Int
    var peak_rss_over_weight_bytes: Double
    /// Whether the peak was reset after the bandwidth and add measurements (so their buffers do not count).
    var peak_rss_excludes_limit_buffers: Bool
    var model: ModelBench.Result
    var fixture: ModelBench.Result?

    init(shape: String, model: ModelBench.Result, fixture: ModelBench.Result?, limits: Limits, limitsMeasured: [Limits], threads: Int, peakRSS: Int,
         peakRSSExcludesLimits: Bool, loadStart: [Double], loadEnd: [Double]) {
        peak_rss_excludes_limit_buffers = peakRSSExcludesLimits
        limits_measured = limitsMeasured
        self.shape = shape
        self.threads = threads
        machine = MachineInfo(cpu: Machine.cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount,
                              memory_bytes: ProcessInfo.processInfo.physicalMemory, load_average_start: loadStart, load_average_end: loadEnd)
        bandwidth_gbs = limits.bandwidthGBs
        bandwidth_1thread_gbs = limits.bandwidth1ThreadGBs
        adds_per_second = limits.addsPerSecond
        adds_per_second_cached = limits.addsPerSecondCached
        weight_bytes = model.weight_bytes
        weight_bytes_per_token = model.weight_bytes_per_token
        dense_ms_per_token = model.dense.median
        dense_ms_per_token_min = model.dense.min
        dense_ms_per_token_max = model.dense.max
        dense_1thread_ms_per_token = model.dense_1thread?.median
        dense_bound_ms_per_token = model.dense_bound_ms_per_token
        dense_bandwidth_fraction = model.dense_bandwidth_fraction
        spiking = model.spiking.map { SpikingSummary(rate: $0.rate, ms_per_token: $0.ms_per_token, events: $0.events_per_token,
                                                     bound: $0.bound_ms_per_token) }
        spiking_fixed_ms_per_token = model.spiking_fixed.median
        spiking_proportionality_spread = model.spiking_proportionality_spread
        var overhead: [String: Double] = [:]
        for t in model.trace_overhead {
            overhead["\(t.level)_ms_per_token"] = t.sink_ms_per_token
            overhead["\(t.level)_fraction"] = t.fraction
        }
        trace_overhead = overhead
        peak_rss_bytes = peakRSS
        peak_rss_over_weight_bytes = Double(peakRSS) / Double(model.weight_bytes)
        self.model = model
        self.fixture = fixture
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public func table() -> String {
        var lines: [String] = []
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        lines.append("marsim bench --shape \(shape)   (\(threads) threads; \(machine.cpu), \(machine.cores) cores, \(f(Double(machine.memory_bytes) / 1_073_741_824, 1)) GiB)")
        lines.append("load average at start \(machine.load_average_start.map { f($0) }.joined(separator: " ")), at end \(machine.load_average_end.map { f($0) }.joined(separator: " "))")
        lines.append("read bandwidth \(f(bandwidth_gbs, 1)) GB/s (1 thread \(f(bandwidth_1thread_gbs, 1))); adds \(f(adds_per_second / 1e9)) G/s streaming from DRAM, \(f(adds_per_second_cached / 1e9, 1)) G/s cached")
        for result in [model] + (fixture.map { [$0] } ?? []) {
            lines.append("")
            lines.append("\(result.name): \(result.parameters) parameters, \(f(Double(result.weight_bytes) / 1e9, 3)) GB of weights, \(f(Double(result.weight_bytes_per_token) / 1e9, 3)) GB read per dense token")
            let d = result.dense
            lines.append("  dense           \(f(d.median)) ms/token (\(f(d.min))–\(f(d.max)))   bound \(f(result.dense_bound_ms_per_token)) ms → \(f(100 * result.dense_bandwidth_fraction, 0))% of bandwidth")
            if let d1 = result.dense_1thread { lines.append("  dense 1 thread  \(f(d1.median)) ms/token (\(f(d1.min))–\(f(d1.max)))") }
            let s0 = result.spiking_fixed
            lines.append("  spiking, no events (fixed part)  \(f(s0.median)) ms/token (\(f(s0.min))–\(f(s0.max)))")
            for p in result.spiking {
                lines.append("  spiking \(f(100 * p.rate, 1))%  \(f(p.ms_per_token)) ms/token (\(f(p.ms_min))–\(f(p.ms_max)))  \(Int(p.events_per_token)) events, \(f(p.synaptic_ops_per_token / 1e6, 1)) M ACs")
                lines.append("      bound \(f(p.bound_ms_per_token)) ms (+dense parts \(f(p.bound_with_dense_parts_ms_per_token)))  distinct columns \(f(p.bound_distinct_columns_ms_per_token)) ms  events part \(f(p.event_ms_per_token)) ms = \(f(p.ns_per_synaptic_op, 3)) ns/AC")
            }
            lines.append("  spiking time ∝ events: per-AC cost within ±\(f(100 * result.spiking_proportionality_spread, 0))% across rates")
            for t in result.trace_overhead {
                lines.append("  trace sink (\(t.sink), \(t.level))  \(f(t.sink_ms_per_token, 4)) ms/token (mean; median \(f(t.sink_ms_median, 4)), max \(f(t.sink_ms_max, 3))) = \(f(100 * t.fraction, 3))% of a spiking token")
            }
            lines.append("  kernel check: " + result.kernel_check.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        lines.append("")
        lines.append("peak resident memory \(f(Double(peak_rss_bytes) / 1e9, 3)) GB = \(f(peak_rss_over_weight_bytes)) × weight bytes")
        return lines.joined(separator: "\n")
    }
}
