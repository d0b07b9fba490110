import Foundation

/// Compact number labels for values drawn on charts (bar totals, bar values).
public enum ValueFormat {
    /// Three significant digits; scientific (`1.23e-4`) below 0.001 or from 100 000 up; `0` for zero.
    public static func compact(_ v: Double) -> String {
        guard v.isFinite else { return String(v) }
        if v == 0 { return "0" }
        let magnitude = abs(v)
        if magnitude < 1e-3 || magnitude >= 1e5 {
            var e = Int(log10(magnitude).rounded(.down))
            var m = v / pow(10, Double(e))
            if abs((m * 100).rounded() / 100) >= 10 { e += 1; m = v / pow(10, Double(e)) }
            return trimmed(String(format: "%.2f", m)) + "e" + String(e)
        }
        let decimals = max(0, 2 - Int(log10(magnitude).rounded(.down)))
        return trimmed(String(format: "%.\(decimals)f", v))
    }

    /// `v` as a percentage with one decimal, e.g. `11.8%`.
    public static func percent(_ v: Double) -> String {
        guard v.isFinite else { return String(v) }
        return trimmed(String(format: "%.1f", v * 100)) + "%"
    }

    private static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var s = s
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
