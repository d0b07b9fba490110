/// A horizontal bar chart: one labelled bar per item, value written at the bar's end.
///
/// Typical use: firing rate per spiking site (`valueStyle: .percent`, values as fractions).
public struct HorizontalBarChart: Sendable, Equatable {
    public struct Bar: Sendable, Equatable {
        public var label: String
        public var value: Double
        /// A CSS colour; nil uses the chart's colour.
        public var color: String?
        public init(label: String, value: Double, color: String? = nil) {
            self.label = label
            self.value = value
            self.color = color
        }
    }

    /// How values are written.
    public enum ValueStyle: Sendable, Equatable {
        /// Three significant digits (`0.118`, `2.5e-4`).
        case compact
        /// Fractions as percentages (`0.118` → `11.8%`); the axis is then in percent (say so in `xLabel`).
        case percent
    }

    public var title: String
    public var xLabel: String
    public var bars: [Bar]
    public var valueStyle: ValueStyle
    public var color: String
    public var width: Double
    /// Canvas height; nil sizes it to the number of bars (18 px per bar).
    public var height: Double?

    public init(title: String, xLabel: String, bars: [Bar], valueStyle: ValueStyle = .compact,
                color: String = Palette.color(0), width: Double = 640, height: Double? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.bars = bars
        self.valueStyle = valueStyle
        self.color = color
        self.width = width
        self.height = height
    }

    /// Draws the chart; negative values extend left of zero, non-finite values draw no bar.
    public func render() -> SVGDocument {
        let scaleFactor = valueStyle == .percent ? 100.0 : 1.0
        let values = bars.map { $0.value * scaleFactor }
        let canvasHeight = height ?? (40 + 56 + max(60, Double(bars.count) * 18))
        let labels = bars.map { Self.shortened($0.label) }
        let marginLeft = (labels.map { TextMetrics.width($0, size: 11) }.max() ?? 0) + 18
        let widestValue = bars.map { TextMetrics.width(format($0.value), size: 10) }.max() ?? 0
        let area = PlotArea(canvasWidth: width, canvasHeight: canvasHeight, marginLeft: marginLeft, marginTop: 40,
                            marginRight: 20 + widestValue, marginBottom: 56)
        let x = Scale(.linear, covering: values.filter(\.isFinite), range: (area.left, area.right), includeZero: true)
        let slot = area.height / Double(max(1, bars.count))
        let barHeight = min(16, slot * 0.72)

        var doc = SVGDocument(width: width, height: canvasHeight, title: title)
        doc.append(ChartTitle.render(title, width: width))
        doc.append(AxisRenderer.bottom(x, area: area, title: xLabel))
        let zero = x.map(0)
        for (i, bar) in bars.enumerated() {
            let cy = area.top + slot * (Double(i) + 0.5)
            var parts: [SVGElement] = [.text(labels[i], x: area.left - 8, y: cy + 4, anchor: "end", size: 11,
                                             [("fill", "#333333")])]
            let v = values[i]
            if v.isFinite {
                let end = x.map(v)
                parts.append(.rect(x: min(zero, end), y: cy - barHeight / 2, width: abs(end - zero), height: barHeight,
                                   fill: bar.color ?? color))
                parts.append(.text(format(bar.value), x: max(zero, end) + 4, y: cy + 4, size: 10, [("fill", "#333333")]))
            }
            doc.append(.group(parts, [("class", "bar")]))
        }
        doc.append(.line(x1: zero, y1: area.top, x2: zero, y2: area.bottom, stroke: AxisRenderer.axisColor))
        return doc
    }

    private func format(_ v: Double) -> String {
        valueStyle == .percent ? ValueFormat.percent(v) : ValueFormat.compact(v)
    }

    /// Labels longer than 40 characters keep their end (the informative part of a unit name).
    static func shortened(_ s: String) -> String {
        s.count <= 40 ? s : "…" + s.suffix(39)
    }
}
