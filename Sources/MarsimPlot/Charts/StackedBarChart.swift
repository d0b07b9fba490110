import Foundation

/// A vertical stacked bar chart: one bar per category (e.g. configuration), one segment per
/// component (e.g. cost kind), with the total above each bar.
///
/// Typical use: energy per token per configuration, broken down by ac / mac / memory / static.
public struct StackedBarChart: Sendable, Equatable {
    /// One bar: its label and one value per segment, in `segmentNames` order (missing values count as 0).
    public struct Bar: Sendable, Equatable {
        public var label: String
        public var values: [Double]
        public init(label: String, values: [Double]) {
            self.label = label
            self.values = values
        }
    }

    public var title: String
    public var yLabel: String
    /// Segment names, bottom segment first; they label the legend.
    public var segmentNames: [String]
    public var bars: [Bar]
    /// Write each bar's total above it.
    public var showTotals: Bool
    /// Segment colours; nil uses the palette in order.
    public var colors: [String]?
    public var width: Double
    public var height: Double
    /// Unit of the values, written with SI prefixes on the axis and the totals (e.g. "J"); nil: plain numbers.
    public var unit: String?
    /// Provenance under the chart.
    public var caption: String?

    public init(title: String, yLabel: String, segmentNames: [String], bars: [Bar], showTotals: Bool = true,
                colors: [String]? = nil, width: Double = 640, height: Double = 420, unit: String? = nil, caption: String? = nil) {
        self.unit = unit
        self.caption = caption
        self.title = title
        self.yLabel = yLabel
        self.segmentNames = segmentNames
        self.bars = bars
        self.showTotals = showTotals
        self.colors = colors
        self.width = width
        self.height = height
    }

    /// A share as a percentage with two significant digits, "<0.1%" below that.
    static func shareText(_ share: Double) -> String {
        if share < 0.001 { return "<0.1%" }
        return share < 0.1 ? String(format: "%.1f%%", share * 100) : String(format: "%.0f%%", share * 100)
    }

    /// Draws the chart. Negative and non-finite values are drawn as 0 (stacking needs non-negative parts);
    /// the legend lists only segments that are non-zero in some bar.
    public func render() -> SVGDocument {
        let colorOf = { (i: Int) in self.colors.map { $0[i % $0.count] } ?? Palette.color(i) }
        let clean = bars.map { bar in
            (0..<segmentNames.count).map { i in
                i < bar.values.count && bar.values[i].isFinite ? max(0, bar.values[i]) : 0
            }
        }
        let totals = clean.map { $0.reduce(0, +) }
        let present = segmentNames.indices.filter { i in clean.contains { $0[i] > 0 } }
        let grand = totals.reduce(0, +)
        // Each entry says its share of all bars together, so a segment too thin to see is still accounted for.
        let legend = Legend(items: present.reversed().map { i in
            let share = grand > 0 ? clean.reduce(0) { $0 + $1[i] } / grand : 0
            return Legend.Item(label: segmentNames[i] + " (" + Self.shareText(share) + ")", color: colorOf(i))
        })
        let format = { (v: Double) in self.unit.map { ValueFormat.si(v, unit: $0) } ?? ValueFormat.compact(v) }

        let labels = bars.map { HorizontalBarChart.shortened($0.label) }
        let provisional = Scale(.linear, covering: totals, range: (1, 0), includeZero: true, unit: unit)
        var marginLeft = AxisRenderer.leftLabelWidth(provisional) + 26
        var slot = (width - marginLeft - 20 - legend.width) / Double(max(1, bars.count))
        let widestLabel = labels.map { TextMetrics.width($0, size: 11) }.max() ?? 0
        // Labels wider than their slot are rotated by 35°; they then reach cos 35° ≈ 0.82 of their width
        // to the left of their bar and sin 35° ≈ 0.57 of it downwards, so reserve that room.
        let rotate = widestLabel > slot - 4
        if rotate {
            marginLeft = max(marginLeft, widestLabel * 0.82 - slot / 2 + 8)
            slot = (width - marginLeft - 20 - legend.width) / Double(max(1, bars.count))
        }
        let marginBottom = rotate ? 30 + widestLabel * 0.57 : 44
        let area = PlotArea(canvasWidth: width, canvasHeight: height, marginLeft: marginLeft, marginTop: 40,
                            marginRight: 20 + legend.width, marginBottom: marginBottom)
        let y = Scale(.linear, covering: totals, range: (area.bottom, area.top), includeZero: true, unit: unit)

        var doc = SVGDocument(width: width, height: height, title: title)
        doc.append(ChartTitle.render(title, width: width))
        doc.append(AxisRenderer.left(y, area: area, title: yLabel, titleOffset: AxisRenderer.leftLabelWidth(y) + 14))
        doc.append(.line(x1: area.left, y1: area.bottom, x2: area.right, y2: area.bottom, stroke: AxisRenderer.axisColor))

        let barWidth = min(64, slot * 0.6)
        for (b, bar) in bars.enumerated() {
            let cx = area.left + slot * (Double(b) + 0.5)
            var parts: [SVGElement] = []
            var base = 0.0
            for (i, v) in clean[b].enumerated() where v > 0 {
                let top = y.map(base + v), bottom = y.map(base)
                parts.append(.rect(x: cx - barWidth / 2, y: top, width: barWidth, height: bottom - top, fill: colorOf(i),
                                   [("stroke", "#ffffff"), ("stroke-width", "0.5")]))
                parts[parts.count - 1].children.append(
                    SVGElement("title", text: "\(bar.label) · \(segmentNames[i]): \(format(v))"))
                base += v
            }
            if showTotals {
                parts.append(.text(format(totals[b]), x: cx, y: y.map(totals[b]) - 5, anchor: "middle",
                                   size: 10, [("fill", "#333333")]))
            }
            if rotate {
                let ly = area.bottom + 14
                parts.append(.text(labels[b], x: cx, y: ly, anchor: "end", size: 11,
                                   [("fill", "#333333"), ("transform", "rotate(-35 \(svgNumber(cx)) \(svgNumber(ly)))")]))
            } else {
                parts.append(.text(labels[b], x: cx, y: area.bottom + 18, anchor: "middle", size: 11, [("fill", "#333333")]))
            }
            doc.append(.group(parts, [("class", "bar")]))
        }
        doc.append(legend.render(x: area.right, y: area.top))
        doc.appendCaption(caption)
        return doc
    }
}
