import Foundation

/// A stopwatch on the monotonic clock.
public struct Stopwatch {
    public init() {}
    private var start = ContinuousClock.now
    /// Seconds since the start (or the last `lap`).
    public mutating func lap() -> Double {
        let now = ContinuousClock.now
        defer { start = now }
        return (now - start).seconds
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}
