/// A spike raster: one small dot per spike at (time, row), positive and negative spikes in two colours.
///
/// Rows are neurons (or channels), row 0 at the top; `groups` name bands of rows (e.g. one SONATA
/// population per spiking site) and replace the numeric row axis with their names.
public struct SpikeRaster: Sendable, Equatable {
    /// One spike: when, on which row, and its polarity (+1 or −1; 0 is drawn as positive).
    public struct Event: Sendable, Equatable {
        public var timeMs: Double
        public var row: Int
        public var polarity: Int8
        public init(timeMs: Double, row: Int, polarity: Int8) {
            self.timeMs = timeMs
            self.row = row
            self.polarity = polarity
        }
    }

    /// A named band of rows.
    public struct RowGroup: Sendable, Equatable {
        public var name: String
        public var rows: Range<Int>
        public init(name: String, rows: Range<Int>) {
            self.name = name
            self.rows = rows
        }
    }

    /// A vertical separator at time `timeMs` (e.g. where a token starts), labelled above the plot.
    public struct Boundary: Sendable, Equatable {
        public var timeMs: Double
        public var label: String
        public init(timeMs: Double, label: String) {
            self.timeMs = timeMs
            self.label = label
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var events: [Event]
    /// Rows in the raster (events outside 0 ..< rowCount are not drawn).
    public var rowCount: Int
    public var groups: [RowGroup]
    /// The time window; nil fits the events.
    public var timeRangeMs: ClosedRange<Double>?
    /// Side of each dot in pixels (capped at the row height, at least 1).
    public var dotSize: Double
    public var width: Double
    public var height: Double
    /// Separators drawn across the rows (token boundaries), with labels above the plot.
    public var boundaries: [Boundary]
    /// Provenance under the chart.
    public var caption: String?

    public init(title: String, xLabel: String = "time (ms)", yLabel: String = "neuron", events: [Event], rowCount: Int,
                groups: [RowGroup] = [], timeRangeMs: ClosedRange<Double>? = nil, dotSize: Double = 2.5,
                width: Double = 800, height: Double = 480, boundaries: [Boundary] = [], caption: String? = nil) {
        self.boundaries = boundaries
        self.caption = caption
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.events = events
        self.rowCount = rowCount
        self.groups = groups
        self.timeRangeMs = timeRangeMs
        self.dotSize = dotSize
        self.width = width
        self.height = height
    }

    public func render() -> SVGDocument {
        let rows = max(1, rowCount)
        let legend = Legend(items: [Legend.Item(label: "+1 spike", color: Palette.positive),
                                    Legend.Item(label: "−1 spike", color: Palette.negative)])
        let labelWidth = groups.isEmpty
            ? TextMetrics.width(String(rows), size: 11) + 12
            : (groups.map { TextMetrics.width($0.name, size: 11) }.max() ?? 0) + 12
        let marginLeft = labelWidth + 26
        let area = PlotArea(canvasWidth: width, canvasHeight: height, marginLeft: marginLeft, marginTop: boundaries.isEmpty ? 40 : 56,
                            marginRight: 20 + legend.width, marginBottom: 56)
        let times = timeRangeMs.map { [$0.lowerBound, $0.upperBound] } ?? events.map(\.timeMs)
        // Inset the time range by a few pixels so dots at the first and last tick do not straddle the frame.
        // A given window is shown exactly (tight), so the axis does not run past it.
        let x = Scale(.linear, covering: times.isEmpty ? [0, 1] : times, range: (area.left + 4, area.right - 4),
                      targetTickCount: 8, tight: timeRangeMs != nil)
        let rowHeight = area.height / Double(rows)
        let rowY = { (r: Double) in area.top + r * rowHeight }

        var doc = SVGDocument(width: width, height: height, title: title)
        doc.append(ChartTitle.render(title, width: width))

        // Row axis: group bands with names, or numeric row ticks.
        var rowAxis: [SVGElement] = []
        if groups.isEmpty {
            let step = max(1, Scale.niceStep(span: Double(rows), count: 6))
            var r = 0.0
            while r <= Double(rows) {
                let y = rowY(r)
                rowAxis.append(.line(x1: area.left - 5, y1: y, x2: area.left, y2: y, stroke: AxisRenderer.axisColor))
                rowAxis.append(.text(String(Int(r)), x: area.left - 8, y: y + 4, anchor: "end", size: 11,
                                     [("fill", AxisRenderer.axisColor)]))
                r += step
            }
        } else {
            for (i, g) in groups.enumerated() {
                let top = rowY(Double(max(0, g.rows.lowerBound))), bottom = rowY(Double(min(rows, g.rows.upperBound)))
                if i % 2 == 0 {
                    rowAxis.append(.rect(x: area.left, y: top, width: area.width, height: bottom - top, fill: "#f3f3f3"))
                }
                rowAxis.append(.line(x1: area.left - 5, y1: top, x2: area.right, y2: top, stroke: "#cccccc", width: 0.5))
                rowAxis.append(.text(g.name, x: area.left - 8, y: (top + bottom) / 2 + 4, anchor: "end", size: 11,
                                     [("fill", AxisRenderer.axisColor)]))
            }
        }
        doc.append(.group(rowAxis, [("class", "rows")]))
        doc.append(AxisRenderer.bottom(x, area: area, title: xLabel, grid: false))
        doc.append(.line(x1: area.left, y1: area.top, x2: area.left, y2: area.bottom, stroke: AxisRenderer.axisColor))
        let yTitleX = area.left - labelWidth - 14, yTitleY = area.top + area.height / 2
        doc.append(.text(yLabel, x: yTitleX, y: yTitleY, anchor: "middle", size: 12,
                         [("fill", AxisRenderer.axisColor),
                          ("transform", "rotate(-90 \(svgNumber(yTitleX)) \(svgNumber(yTitleY)))")]))

        // Dots: one path per polarity, a small square per spike (compact for many thousands of spikes).
        let size = max(1, min(dotSize, rowHeight))
        var positive = "", negative = ""
        for e in events where e.row >= 0 && e.row < rows && e.timeMs.isFinite
            && e.timeMs >= x.lower && e.timeMs <= x.upper {
            let px = x.map(e.timeMs) - size / 2, py = rowY(Double(e.row) + 0.5) - size / 2
            let square = "M\(svgNumber(px)) \(svgNumber(py))h\(svgNumber(size))v\(svgNumber(size))h-\(svgNumber(size))z"
            if e.polarity < 0 { negative += square } else { positive += square }
        }
        if !positive.isEmpty { doc.append(.path(positive, fill: Palette.positive, [("class", "spikes-positive")])) }
        if !negative.isEmpty { doc.append(.path(negative, fill: Palette.negative, [("class", "spikes-negative")])) }
        var separators: [SVGElement] = []
        let shownBoundaries = boundaries.filter { $0.timeMs >= x.lower && $0.timeMs <= x.upper }
        // Label every boundary when they are far enough apart, else every k-th.
        let spacing = shownBoundaries.count > 1 ? (x.map(shownBoundaries[1].timeMs) - x.map(shownBoundaries[0].timeMs)) : area.width
        let widest = shownBoundaries.map { TextMetrics.width($0.label, size: 10) }.max() ?? 0
        let every = max(1, Int(((widest + 6) / max(spacing, 1)).rounded(.up)))
        for (i, b) in shownBoundaries.enumerated() {
            let bx = x.map(b.timeMs)
            separators.append(.line(x1: bx, y1: area.top - 4, x2: bx, y2: area.bottom, stroke: "#888888", width: 0.75,
                                    [("stroke-dasharray", "2 2")]))
            if i % every == 0 {
                separators.append(.text(b.label, x: bx + 3, y: area.top - 6, anchor: "start", size: 10, [("fill", "#555555")]))
            }
        }
        if !separators.isEmpty { doc.append(.group(separators, [("class", "boundaries")])) }
        doc.append(legend.render(x: area.right, y: area.top))
        doc.appendCaption(caption)
        return doc
    }
}
