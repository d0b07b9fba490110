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

        /// Appends 2,200 tokens of ~2,000 events each (~4.4 M events, ~75 MB of raw event data,
        /// ~40 MB of file) under the default flush policy and checks that peak resident memory
        /// after a 200-token warm-up grows by less than 16 MiB overall and 4 MiB over the second
        /// half.
        ///
        /// Why these bounds: everything the writer keeps exists by the end of the warm-up (batch
        /// buffers reach the 2^18-event cap after ~130 tokens: ≤ 9 MB with array growth slack;
        /// each dataset's chunk cache holds one chunk, ≤ 64 KiB), so later growth is HDF5's
        /// metadata cache for new chunk-index entries (kilobytes) plus allocator noise; measured
        /// here: ~1.6 MiB over 4,800 tokens. A writer that kept its events would grow by ~75 MB.
        /// (With HDF5's default 1 MiB chunk cache per dataset it grew ~4 MiB per 1,000 tokens.)
        /// The parent suite is serialized so no other test allocates meanwhile; VmHWM is reset
        /// through /proc/self/clear_refs.
        @Test func peakMemoryStaysFlat() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/long.h5"
                let run = SyntheticRun(eventsPerSite: 250, inputTokens: 4096)
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events)
                for k in 0..<200 { try writer.append(run.token(k)) }
                try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
                let baseline = try Self.status("VmRSS")
                var midpoint = 0
                var events = 0
                let start = ContinuousClock.now
                for k in 200..<2200 {
                    let token = run.token(k)
                    events += token.spikes.reduce(0) { $0 + $1.count }
                    try writer.append(token)
                    if k == 1200 { midpoint = try Self.status("VmHWM") }
                }
                try writer.finish(endTime: "end")
                let elapsed = ContinuousClock.now - start
                let peak = try Self.status("VmHWM")
                let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
                print("streaming: \(events) events in 2000 tokens in \(elapsed); peak RSS +\((peak - baseline) >> 10) KiB "
                      + "(+\((peak - midpoint) >> 10) KiB in the second half); file \(size) bytes, "
                      + "\(size / 2200) B/token, \(String(format: "%.2f", Double(size) / Double(events))) B/event")
                #expect(peak - baseline < 16 << 20, "peak RSS grew by \((peak - baseline) >> 20) MiB")
                #expect(peak - midpoint < 4 << 20, "peak RSS grew by \((peak - midpoint) >> 20) MiB in the second half")
                #expect(try TraceReader(path: path).tokensWritten == 2200)
            }
        }
    }
}
#endif
