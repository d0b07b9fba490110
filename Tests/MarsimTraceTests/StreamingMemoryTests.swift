#if os(Linux)
import Foundation
import MarsimTrace
import Testing

extension TraceTests {
    @Suite("Streaming memory") struct StreamingMemory {
        /// A value from /proc/self/status in bytes ("VmRSS": resident now, "VmHWM": peak resident).
        static func status(_ field: String) throws -> Int {
            let text = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
                  let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
                throw CocoaError(.fileReadCorruptFile)
            }
            return kibibytes * 1024
        }

        /// Peak resident memory growth (bytes) while writing and finishing a trace of `tokens` tokens of
        /// ~2,000 events each, measured from the resident memory at the start (VmHWM reset through
        /// /proc/self/clear_refs), and the trace's size.
        static func peakGrowth(tokens: Int, directory: String) throws -> (peak: Int, events: Int, bytes: Int) {
            let path = directory + "/long-\(tokens).h5"
            let run = SyntheticRun(eventsPerSite: 250, inputTokens: 4096)
            try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
            let baseline = try Self.status("VmRSS")
            let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events)
            var events = 0
            for k in 0..<tokens {
                let token = run.token(k)
                events += token.spikes.reduce(0) { $0 + $1.count }
                try writer.append(token)
            }
            try writer.finish(endTime: "end")
            let peak = try Self.status("VmHWM") - baseline
            #expect(try TraceReader(path: path).tokensWritten == tokens)
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            return (peak, events, size)
        }

        /// Writing (to the journal) and finishing (building the HDF5 trace from it) keep memory flat:
        /// a run five times as long, with ~3 M events (~50 MB of raw event data), peaks less than
        /// 4 MiB higher than a short one, and neither grows resident memory by more than 24 MiB.
        ///
        /// Why these bounds: what the writer keeps is bounded by its flush policy (one journal record,
        /// ≤ 2^18 events ≈ 1.5 MB); finishing holds one record, the builder's batch (≤ 2^16 events)
        /// and HDF5's caches (one chunk per dataset, plus its metadata cache), none of which grows
        /// with the trace. A writer that kept its events would grow by ~50 MB between the two runs.
        /// The parent suite is serialized so no other test allocates meanwhile.
        @Test func peakMemoryStaysFlat() throws {
            try withTemporaryDirectory { directory in
                _ = try Self.peakGrowth(tokens: 100, directory: directory)  // warm-up: code pages, allocator arenas
                let start = ContinuousClock.now
                let short = try Self.peakGrowth(tokens: 300, directory: directory)
                let long = try Self.peakGrowth(tokens: 1500, directory: directory)
                let elapsed = ContinuousClock.now - start
                print("streaming: \(long.events) events in 1500 tokens: peak RSS +\(long.peak >> 10) KiB "
                      + "(300 tokens: +\(short.peak >> 10) KiB); file \(long.bytes) bytes, "
                      + "\(String(format: "%.2f", Double(long.bytes) / Double(long.events))) B/event; both runs \(elapsed)")
                #expect(long.events > 2_500_000)
                #expect(long.peak - short.peak < 4 << 20, "peak grew by \((long.peak - short.peak) >> 20) MiB with 5× the tokens")
                #expect(long.peak < 24 << 20 && short.peak < 24 << 20)
            }
        }
    }
}
#endif
