extension Collection where Element == Double {
    /// The median: the middle value, or the mean of the middle two for an even count; nil when empty.
    /// One definition for the benchmark's timings, the machine-limit measurements and the plots.
    public var median: Double? {
        let s = sorted()
        guard !s.isEmpty else { return nil }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
