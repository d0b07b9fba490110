import Foundation
import MarsimCore
import MarsimTrace

/// Where each token's activity goes after the decode step in `marsim bench`: the HDF5 trace writer,
/// whose cost per token is measured as `trace_overhead`.
public protocol TokenSink {
    /// Takes one token's activity: counts per unit, and (at `events` level) the spikes of every site.
    mutating func consume(_ activity: TokenActivity) throws
    /// Flushes and closes whatever the sink writes.
    mutating func finish() throws
}

extension TraceWriter: TokenSink {
    public func consume(_ activity: TokenActivity) throws { try append(activity) }
    public func finish() throws { try finish(endTime: ISO8601DateFormatter().string(from: Date())) }
}
