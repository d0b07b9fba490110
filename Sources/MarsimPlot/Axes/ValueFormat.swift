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

    /// The SI prefixes from pico to giga, by power of ten.
    static let prefixes: [Int: String] = [-12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G"]

    /// The power of ten (a multiple of 3 in −12…9) whose prefix writes `magnitude` with 1–3 integer digits.
    public static func prefixExponent(_ magnitude: Double) -> Int {
        guard magnitude > 0, magnitude.isFinite else { return 0 }
        let e = Int((log10(magnitude) + 1e-9).rounded(.down))
        return min(9, max(-12, Int((Double(e) / 3).rounded(.down)) * 3))
    }

    /// `v` with an SI prefix and `unit`, three significant digits: `699 µJ`, `1.31 mJ`, `0 J`.
    public static func si(_ v: Double, unit: String) -> String {
        guard v.isFinite else { return String(v) }
        if v == 0 { return "0 " + unit }
        var p = prefixExponent(abs(v))
        var m = v / pow(10, Double(p))
        // Rounding to three digits may reach 1000 (999.7 µ → 1.00 m).
        if abs(Double(String(format: "%.\(max(0, 2 - Int(log10(abs(m)).rounded(.down))))f", m)) ?? m) >= 1000, p < 9 {
            p += 3
            m = v / pow(10, Double(p))
        }
        let decimals = max(0, 2 - Int(log10(abs(m)).rounded(.down)))
        return trimmed(String(format: "%.\(decimals)f", m)) + " " + (prefixes[p] ?? "") + unit
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
