/// A scatter / line chart: series of (x, y) points, optionally connected and labelled, plus
/// highlighted reference points (e.g. the dense model) drawn as large diamonds with a dashed guide.
///
/// Typical use: energy per token (y, log) against fidelity (x) for several spiking configurations,
/// with the dense model as the highlighted reference.
public struct ScatterChart: Sendable, Equatable {
    /// One data point; `label` is drawn next to it when present.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public var label: String?
        /// An interval around y (e.g. a Monte Carlo 5–95% interval), drawn as an error bar with caps.
        public var yInterval: ClosedRange<Double>?
        public init(x: Double, y: Double, label: String? = nil, yInterval: ClosedRange<Double>? = nil) {
            self.x = x
            self.y = y
            self.label = label
            self.yInterval = yInterval
        }
    }

    /// A dashed line across the plot at one x (vertical) or one y (horizontal), named in the
    /// legend: a threshold to read the points against (e.g. a break-even firing rate).
    public struct ReferenceLine: Sendable, Equatable {
        public enum Axis: Sendable, Equatable { case x, y }
        public var name: String
        public var axis: Axis
        public var value: Double
        /// A CSS colour; nil draws it in the highlight colour.
        public var color: String?
        public init(name: String, axis: Axis, value: Double, color: String? = nil) {
            self.name = name
            self.axis = axis
            self.value = value
            self.color = color
        }
    }

    /// A named set of points sharing a colour.
    public struct Series: Sendable, Equatable {
        public var name: String
        public var points: [Point]
        /// Draw a line through the points in the given order.
        public var connected: Bool
        /// A CSS colour; nil picks the next palette colour.
        public var color: String?
        public init(name: String, points: [Point], connected: Bool = false, color: String? = nil) {
            self.name = name
            self.points = points
            self.connected = connected
            self.color = color
        }
    }

    /// A reference point drawn on top: a black diamond, its name as label and in the legend, and a
    /// dashed horizontal guide at its y so the other points can be compared with it; `yInterval`
    /// draws an error bar as for a series' point.
    public struct Highlight: Sendable, Equatable {
        public var name: String
        public var point: Point
        public var guide: Bool
        public init(name: String, x: Double, y: Double, guide: Bool = true, yInterval: ClosedRange<Double>? = nil) {
            self.name = name
            self.point = Point(x: x, y: y, label: name, yInterval: yInterval)
            self.guide = guide
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: AxisScale
    public var yScale: AxisScale
    public var series: [Series]
    public var highlights: [Highlight]
    /// Lines drawn across the plot; their values widen the axes so every line is in view.
    public var referenceLines: [ReferenceLine]
    /// Canvas size in pixels (a caption adds its lines below).
    public var width: Double
    public var height: Double
    /// Units of the axes' tick labels, written with SI prefixes (e.g. "J" → `200 µJ`); nil: plain numbers.
    public var xUnit: String?
    public var yUnit: String?
    /// Axes end just beyond the data instead of at nice bounds.
    public var tightAxes: Bool
    /// Points far right of the rest (x above Q3 + 3 × IQR, with at least four points) are drawn in a
    /// strip beyond a break in the x axis, with their value written under it, instead of squashing
    /// every other point into a corner.
    public var breakOutliers: Bool
    /// Provenance under the chart (tool, checkpoint, tokens, profile).
    public var caption: String?

    public init(title: String, xLabel: String, yLabel: String, xScale: AxisScale = .linear, yScale: AxisScale = .linear,
                series: [Series], highlights: [Highlight] = [], referenceLines: [ReferenceLine] = [],
                width: Double = 640, height: Double = 420,
                xUnit: String? = nil, yUnit: String? = nil, tightAxes: Bool = true, breakOutliers: Bool = true,
                caption: String? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.series = series
        self.highlights = highlights
        self.referenceLines = referenceLines
        self.width = width
        self.height = height
        self.xUnit = xUnit
        self.yUnit = yUnit
        self.tightAxes = tightAxes
        self.breakOutliers = breakOutliers
        self.caption = caption
    }

    /// The x above which points are outliers (Q3 + 3 × IQR of every finite x), or nil when no point
    /// is that far out or there are fewer than four points.
    static func outlierFence(_ values: [Double]) -> Double? {
        let xs = values.filter(\.isFinite).sorted()
        guard xs.count >= 4 else { return nil }
        func quantile(_ q: Double) -> Double {
            let h = q * Double(xs.count - 1), i = Int(h.rounded(.down))
            return i + 1 < xs.count ? xs[i] + (h - Double(i)) * (xs[i + 1] - xs[i]) : xs[i]
        }
        let q3 = quantile(0.75), iqr = q3 - quantile(0.25)
        let fence = q3 + 3 * max(iqr, abs(q3) * 0.05)
        return xs.last! > fence ? fence : nil
    }

    /// Width of the outlier strip beyond the axis break.
    static let stripWidth = 64.0

    /// Draws the chart. Points a log axis cannot show (≤ 0) and non-finite points are left out.
    public func render() -> SVGDocument {
        let canShowX = { (v: Double) in v.isFinite && (self.xScale == .linear || v > 0) }
        let canShowY = { (v: Double) in v.isFinite && (self.yScale == .linear || v > 0) }
        let shown = { (p: Point) in canShowX(p.x) && canShowY(p.y) }
        let visible = series.map { $0.points.filter(shown) }
        let shownHighlights = highlights.filter { shown($0.point) }
        let allPoints = visible.flatMap { $0 } + shownHighlights.map(\.point)
        let fence = breakOutliers && xScale == .linear ? Self.outlierFence(allPoints.map(\.x)) : nil
        let isOutlier = { (p: Point) in fence.map { p.x > $0 } ?? false }
        let colors = series.enumerated().map { $1.color ?? Palette.color($0) }
        let lines = referenceLines.filter { $0.axis == .x ? canShowX($0.value) : canShowY($0.value) }
        // The legend lists only what is drawn.
        let legend = Legend(items: series.indices.filter { !visible[$0].isEmpty }.map {
            Legend.Item(label: series[$0].name, color: colors[$0], swatch: series[$0].connected ? .lineAndDot : .circle)
        } + shownHighlights.map { Legend.Item(label: $0.name, color: Palette.highlight, swatch: .diamond) }
          + lines.map { Legend.Item(label: $0.name, color: $0.color ?? Palette.highlight, swatch: .dashedLine) })

        // Lay out with a provisional y scale to size the tick labels, then build the final scales.
        let intervalEnds = allPoints.compactMap(\.yInterval).flatMap { [$0.lowerBound, $0.upperBound] }.filter(canShowY)
        let ys = allPoints.map(\.y) + intervalEnds + lines.filter { $0.axis == .y }.map(\.value)
        let provisionalY = Scale(yScale, covering: ys, range: (1, 0), padding: 0.06, unit: yUnit, tight: tightAxes)
        let marginLeft = AxisRenderer.leftLabelWidth(provisionalY) + 26
        let strip = fence == nil ? 0 : Self.stripWidth
        let area = PlotArea(canvasWidth: width, canvasHeight: height, marginLeft: marginLeft, marginTop: 40,
                            marginRight: 20 + legend.width + strip, marginBottom: 56)
        let x = Scale(xScale, covering: allPoints.filter { !isOutlier($0) }.map(\.x) + lines.filter { $0.axis == .x }.map(\.value),
                      range: (area.left, area.right),
                      padding: 0.04, unit: xUnit, tight: tightAxes)
        let y = Scale(yScale, covering: ys, range: (area.bottom, area.top), padding: 0.06, unit: yUnit, tight: tightAxes)
        let stripX = area.right + strip / 2
        let px = { (p: Point) in isOutlier(p) ? stripX : x.map(p.x) }
        let py = { (p: Point) in y.map(p.y) }
        let plotRight = area.right + strip

        var doc = SVGDocument(width: width, height: height, title: title)
        doc.append(ChartTitle.render(title, width: width))
        doc.append(AxisRenderer.left(y, area: area, title: yLabel, titleOffset: AxisRenderer.leftLabelWidth(y) + 14))
        doc.append(AxisRenderer.bottom(x, area: area, title: xLabel))
        if let fence {
            doc.append(Self.outlierStrip(area: area, strip: strip, values: allPoints.filter(isOutlier).map(\.x), fence: fence))
        }

        for h in shownHighlights where h.guide {
            let gy = y.map(h.point.y)
            doc.append(.line(x1: area.left, y1: gy, x2: plotRight, y2: gy, stroke: Palette.highlight, width: 1,
                             [("stroke-dasharray", "5 4"), ("stroke-opacity", "0.6"), ("class", "guide")]))
        }
        // Reserve every marker and line first, then place labels (highlights first) around them.
        var placer = LabelPlacer(bounds: PlotArea(left: area.left, top: area.top, width: plotRight - area.left, height: area.height))
        for line in lines {
            let color = line.color ?? Palette.highlight
            let (x1, y1, x2, y2) = line.axis == .x ? (x.map(line.value), area.top, x.map(line.value), area.bottom)
                                                   : (area.left, y.map(line.value), plotRight, y.map(line.value))
            placer.reserveSegment(x1: x1, y1: y1, x2: x2, y2: y2)
            doc.append(.line(x1: x1, y1: y1, x2: x2, y2: y2, stroke: color, width: 1.25,
                             [("stroke-dasharray", "6 4"), ("class", "reference-line")]))
        }
        for p in Array(visible.joined()) + shownHighlights.map(\.point) {
            guard let interval = p.yInterval, canShowY(interval.lowerBound), canShowY(interval.upperBound) else { continue }
            let cx = px(p), top = y.map(interval.upperBound), bottom = y.map(interval.lowerBound)
            placer.reserveSegment(x1: cx, y1: top, x2: cx, y2: bottom)
            doc.append(.group([
                .line(x1: cx, y1: top, x2: cx, y2: bottom, stroke: "#555555", width: 1),
                .line(x1: cx - 3, y1: top, x2: cx + 3, y2: top, stroke: "#555555", width: 1),
                .line(x1: cx - 3, y1: bottom, x2: cx + 3, y2: bottom, stroke: "#555555", width: 1),
            ], [("class", "error-bar")]))
        }
        for p in visible.joined() { placer.reserve(x: px(p), y: py(p), r: 5) }
        for h in shownHighlights { placer.reserve(x: px(h.point), y: py(h.point), r: 8) }
        for (i, s) in series.enumerated() where s.connected {
            for (a, b) in zip(visible[i], visible[i].dropFirst()) {
                placer.reserveSegment(x1: px(a), y1: py(a), x2: px(b), y2: py(b))
            }
        }
        let highlightLabels = shownHighlights.map { placer.place($0.name, x: px($0.point), y: py($0.point), size: 11, gap: 11) }

        for (i, s) in series.enumerated() {
            let shownPoints = visible[i]
            var parts: [SVGElement] = []
            if s.connected && shownPoints.count > 1 {
                for (a, b) in zip(shownPoints, shownPoints.dropFirst()) {
                    // A segment into or out of the outlier strip crosses the axis break: dashed.
                    let broken = isOutlier(a) != isOutlier(b)
                    parts.append(.line(x1: px(a), y1: py(a), x2: px(b), y2: py(b), stroke: colors[i], width: 1.5,
                                       broken ? [("stroke-dasharray", "3 3")] : []))
                }
            }
            for p in shownPoints {
                parts.append(.circle(cx: px(p), cy: py(p), r: 4, fill: colors[i], [("stroke", "#ffffff"), ("stroke-width", "1")]))
            }
            for p in shownPoints {
                guard let label = p.label else { continue }
                let spot = placer.place(label, x: px(p), y: py(p), size: 10, gap: 7)
                if let end = spot.leader {
                    parts.append(.line(x1: px(p), y1: py(p), x2: end.x, y2: end.y, stroke: "#999999", width: 0.75, [("class", "leader")]))
                }
                parts.append(.text(label, x: spot.x, y: spot.y, anchor: spot.anchor, size: 10, [("fill", "#333333"), ("class", "point-label")]))
            }
            doc.append(.group(parts, [("class", "series")]))
        }
        for (h, spot) in zip(shownHighlights, highlightLabels) {
            let hx = px(h.point), hy = py(h.point)
            var parts: [SVGElement] = [.path(Marker.diamond(cx: hx, cy: hy, r: 7), fill: Palette.highlight, [("stroke", "#ffffff")])]
            if let end = spot.leader {
                parts.append(.line(x1: hx, y1: hy, x2: end.x, y2: end.y, stroke: "#999999", width: 0.75, [("class", "leader")]))
            }
            parts.append(.text(h.name, x: spot.x, y: spot.y, anchor: spot.anchor, size: 11,
                               [("fill", Palette.highlight), ("font-weight", "bold"), ("class", "point-label")]))
            doc.append(.group(parts, [("class", "highlight")]))
        }
        doc.append(legend.render(x: plotRight, y: area.top))
        doc.appendCaption(caption)
        return doc
    }

    /// The strip beyond the x axis's break: a break mark (two slanted strokes) on the axis, the
    /// strip's own axis segment and the outliers' value range written under it.
    static func outlierStrip(area: PlotArea, strip: Double, values: [Double], fence: Double) -> SVGElement {
        let left = area.right + 6, right = area.right + strip, y = area.bottom
        let lo = values.min() ?? fence, hi = values.max() ?? fence
        let text = lo == hi ? ValueFormat.compact(lo) : ValueFormat.compact(lo) + "–" + ValueFormat.compact(hi)
        let mark = { (cx: Double) -> SVGElement in
            .line(x1: cx - 3, y1: y + 5, x2: cx + 3, y2: y - 5, stroke: AxisRenderer.axisColor, width: 1.2)
        }
        return .group([
            .line(x1: left, y1: y, x2: right, y2: y, stroke: AxisRenderer.axisColor),
            .rect(x: area.right + 1, y: y - 6, width: 4, height: 12, fill: "#ffffff"),
            mark(area.right + 1), mark(area.right + 5),
            .line(x1: (left + right) / 2, y1: y, x2: (left + right) / 2, y2: y + AxisRenderer.tickLength, stroke: AxisRenderer.axisColor),
            .text(text, x: (left + right) / 2, y: y + AxisRenderer.tickLength + 13, anchor: "middle", size: 11,
                  [("fill", AxisRenderer.axisColor)]),
            .rect(x: left, y: area.top, width: right - left, height: area.height, fill: "#f7f7f7", [("fill-opacity", "0.6")]),
        ], [("class", "outlier-strip")])
    }
}

/// The chart title, centred at the top of the canvas.
enum ChartTitle {
    static func render(_ title: String, width: Double) -> SVGElement {
        .text(title, x: width / 2, y: 24, anchor: "middle", size: 15, [("font-weight", "bold"), ("fill", "#222222")])
    }
}
