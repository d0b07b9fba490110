import Foundation

/// How an axis maps data to position.
public enum AxisScale: String, Sendable, CaseIterable {
    /// Equal distances for equal differences; ticks at 1, 2 or 5 × 10^k steps.
    case linear
    /// Equal distances for equal ratios (base 10); ticks at powers of ten. Values ≤ 0 cannot be shown.
    case log
}

/// One tick of an axis: its data value, its label (nil for an unlabelled minor tick).
public struct Tick: Sendable, Equatable {
    public var value: Double
    public var label: String?
    public var isMajor: Bool

    public init(value: Double, label: String?, isMajor: Bool) {
        self.value = value
        self.label = label
        self.isMajor = isMajor
    }
}

/// Maps a data interval onto a pixel interval and chooses readable ticks for it.
///
/// By default the data interval is widened to "nice" bounds: multiples of the tick step (linear) or
/// whole decades (log), so the axis starts and ends on a labelled tick. A `tight` scale instead ends
/// just beyond the data (by `padding`) and puts its ticks inside, so the axes never run far past
/// the data. With a `unit`, tick labels carry SI prefixes (`200 µJ`, `1.4 mJ`) instead of
/// scientific notation.
public struct Scale: Sendable, Equatable {
    public var kind: AxisScale
    /// The (widened) data interval.
    public private(set) var lower: Double
    public private(set) var upper: Double
    /// Pixel positions of `lower` and `upper` (for a y axis, `rangeStart` is the bottom pixel).
    public var rangeStart: Double
    public var rangeEnd: Double
    /// Linear tick step (unused for log scales).
    public private(set) var step: Double = 1
    /// The unit tick labels are written in, with SI prefixes; nil writes plain numbers.
    public var unit: String?
    /// Whether the interval ends at the padded data rather than at nice bounds.
    public private(set) var tight = false

    /// A scale covering `values` (non-finite values ignored; for log, values ≤ 0 ignored too).
    ///
    /// - Parameters:
    ///   - includeZero: for linear scales, extend the interval to 0 (bar charts).
    ///   - targetTickCount: about how many intervals the linear axis should have.
    ///   - padding: for linear scales, widen the data interval by this fraction of its span on each side
    ///     before rounding (so points do not sit on the frame); never across zero.
    ///   - unit: write tick labels with SI prefixes and this unit (e.g. "J").
    ///   - tight: end the interval at the padded data instead of widening it to nice bounds.
    public init(_ kind: AxisScale, covering values: [Double], range: (Double, Double), includeZero: Bool = false,
                targetTickCount: Int = 5, padding: Double = 0, unit: String? = nil, tight: Bool = false) {
        self.kind = kind
        self.unit = unit
        self.tight = tight
        rangeStart = range.0
        rangeEnd = range.1
        var data = values.filter(\.isFinite)
        if kind == .log { data = data.filter { $0 > 0 } }
        switch kind {
        case .linear:
            var lo = data.min() ?? 0, hi = data.max() ?? 1
            if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
            if lo == hi {
                let pad = lo == 0 ? 1 : abs(lo) * 0.1
                lo -= includeZero && lo == 0 ? 0 : pad
                hi += pad
            }
            if padding > 0 {
                let pad = (hi - lo) * padding
                lo = lo >= 0 ? max(0, lo - pad) : lo - pad
                hi = hi <= 0 ? min(0, hi + pad) : hi + pad
            }
            step = Self.niceStep(span: hi - lo, count: max(1, targetTickCount))
            lower = tight ? lo : (lo / step).rounded(.down) * step
            upper = tight ? hi : (hi / step).rounded(.up) * step
        case .log where tight && !data.isEmpty:
            // Pad in decades: `padding` of the span, at least 0.05 decade; a single value gets ±0.5.
            var lo = log10(data.min()!), hi = log10(data.max()!)
            if hi - lo < 1e-9 { lo -= 0.5; hi += 0.5 }
            let pad = max(0.05, (hi - lo) * padding)
            lower = pow(10, lo - pad)
            upper = pow(10, hi + pad)
        case .log:
            let lo = data.min() ?? 1, hi = data.max() ?? 10
            var lowDecade = log10(lo).rounded(.down), highDecade = log10(hi).rounded(.up)
            if lowDecade == highDecade { highDecade += 1 }
            if highDecade - lowDecade > 300 { lowDecade = highDecade - 300 }
            lower = pow(10, lowDecade)
            upper = pow(10, highDecade)
        }
    }

    /// The pixel position of `value` (log: values ≤ 0 map to the lower end).
    public func map(_ value: Double) -> Double {
        let t: Double
        switch kind {
        case .linear:
            t = (value - lower) / (upper - lower)
        case .log:
            t = value > 0 ? (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) : 0
        }
        return rangeStart + t * (rangeEnd - rangeStart)
    }

    /// Whether `value` can be drawn on this scale.
    public func canShow(_ value: Double) -> Bool {
        value.isFinite && (kind == .linear || value > 0)
    }

    /// The ticks of the axis, lowest first.
    public func ticks() -> [Tick] {
        switch kind {
        case .linear:
            let slack = step * 1e-9
            let first = Int(((lower - slack) / step).rounded(.up)), last = Int(((upper + slack) / step).rounded(.down))
            guard first <= last else { return [] }
            let maxAbs = max(abs(Double(first) * step), abs(Double(last) * step), step)
            return (first...last).map { k in
                let v = Double(k) * step
                return Tick(value: v, label: label(v, maxAbs: maxAbs), isMajor: true)
            }
        case .log where tight:
            return tightLogTicks()
        case .log:
            let lowDecade = Int(log10(lower).rounded()), highDecade = Int(log10(upper).rounded())
            let decades = highDecade - lowDecade
            let labelEvery = max(1, Int((Double(decades) / 8).rounded(.up)))
            var ticks: [Tick] = []
            for d in lowDecade...highDecade {
                let major = pow(10, Double(d))
                ticks.append(Tick(value: major, label: (d - lowDecade) % labelEvery == 0 ? logLabel(d) : nil,
                                  isMajor: true))
                guard d < highDecade, decades <= 6 else { continue }
                for m in 2...9 {
                    let label = decades == 1 && (m == 2 || m == 5)
                        ? unit.map { ValueFormat.si(Double(m) * major, unit: $0) }
                            ?? Self.linearLabel(Double(m) * major, step: major, maxAbs: major * 10)
                        : nil
                    ticks.append(Tick(value: Double(m) * major, label: label, isMajor: false))
                }
            }
            return ticks
        }
    }

    /// Ticks of a tight log axis: powers of ten inside the interval (labelled), 2…9 × 10^d as minor
    /// ticks; over two decades or less, 2× and 5× are labelled too.
    private func tightLogTicks() -> [Tick] {
        let lowDecade = Int(log10(lower).rounded(.down)), highDecade = Int(log10(upper).rounded(.up))
        let inside = { (v: Double) in v >= self.lower * (1 - 1e-9) && v <= self.upper * (1 + 1e-9) }
        let majors = (lowDecade...highDecade).filter { inside(pow(10, Double($0))) }
        let decades = highDecade - lowDecade
        let labelEvery = max(1, Int((Double(decades) / 8).rounded(.up)))
        var ticks: [Tick] = []
        for d in lowDecade...highDecade {
            let major = pow(10, Double(d))
            if inside(major) {
                ticks.append(Tick(value: major, label: (d - lowDecade) % labelEvery == 0 ? logLabel(d) : nil, isMajor: true))
            }
            guard decades <= 6 else { continue }
            for m in 2...9 where inside(Double(m) * major) {
                let labelled = (majors.count < 2 || log10(upper / lower) <= 2) && (m == 2 || m == 5)
                let v = Double(m) * major
                ticks.append(Tick(value: v, label: labelled ? unit.map { ValueFormat.si(v, unit: $0) } ?? ValueFormat.compact(v) : nil,
                                  isMajor: false))
            }
        }
        return ticks
    }

    /// A linear tick label: SI-prefixed with the unit (one prefix for the whole axis), else plain.
    private func label(_ v: Double, maxAbs: Double) -> String {
        guard let unit else { return Self.linearLabel(v, step: step, maxAbs: maxAbs) }
        if abs(v) < step * 1e-6 { return "0" }
        let p = ValueFormat.prefixExponent(maxAbs)
        let stepExponent = Int((log10(step) + 1e-9).rounded(.down))
        let text = String(format: "%.\(max(0, p - stepExponent))f", v / pow(10, Double(p)))
        return text + " " + (ValueFormat.prefixes[p] ?? "") + unit
    }

    /// The label of 10^d: SI-prefixed with the unit (`100 µJ`), else `10⁻⁴`.
    private func logLabel(_ d: Int) -> String {
        unit.map { ValueFormat.si(pow(10, Double(d)), unit: $0) } ?? Self.powerOfTen(d)
    }

    // MARK: - Nice numbers and labels

    /// 1, 2 or 5 × 10^k nearest to `span ÷ count` (rounding thresholds 1.5, 3, 7 between the steps),
    /// so the axis gets about `count` intervals.
    static func niceStep(span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(count)
        let magnitude = pow(10, log10(raw).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        return nice * magnitude
    }

    /// A tick label with just enough decimals for `step`; scientific (`2.5e-4`) for very small or large axes.
    static func linearLabel(_ v: Double, step: Double, maxAbs: Double) -> String {
        if abs(v) < step * 1e-6 { return "0" }
        let stepExponent = Int(log10(step).rounded(.down))
        if maxAbs >= 1e5 || maxAbs < 1e-3 {
            var e = Int(log10(abs(v)).rounded(.down))
            var m = String(format: "%.\(max(0, e - stepExponent))f", v / pow(10, Double(e)))
            if abs(Double(m) ?? 0) >= 10 { // log10 rounded just below a power of ten
                e += 1
                m = String(format: "%.\(max(0, e - stepExponent))f", v / pow(10, Double(e)))
            }
            if m.contains(".") {
                while m.hasSuffix("0") { m.removeLast() }
                if m.hasSuffix(".") { m.removeLast() }
            }
            return m + "e" + String(e)
        }
        return String(format: "%.\(max(0, -stepExponent))f", v)
    }

    /// `10` with a superscript exponent: `10⁻¹²`, `10³`; `1` and `10` for 0 and 1.
    static func powerOfTen(_ exponent: Int) -> String {
        if exponent == 0 { return "1" }
        if exponent == 1 { return "10" }
        let superscripts: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵",
                                                    "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return "10" + String(String(exponent).map { superscripts[$0]! })
    }
}
