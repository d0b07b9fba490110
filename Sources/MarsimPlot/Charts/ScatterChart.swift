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
        public init(x: Double, y: Double, label: String? = nil) {
            self.x = x
            self.y = y
            self.label = label
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
    /// dashed horizontal guide at its y so the other points can be compared with it.
    public struct Highlight: Sendable, Equatable {
        public var name: String
        public var point: Point
        public var guide: Bool
        public init(name: String, x: Double, y: Double, guide: Bool = true) {
            self.name = name
            self.point = Point(x: x, y: y, label: name)
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
    /// Canvas size in pixels.
    public var width: Double
    public var height: Double

    public init(title: String, xLabel: String, yLabel: String, xScale: AxisScale = .linear, yScale: AxisScale = .linear,
                series: [Series], highlights: [Highlight] = [], width: Double = 640, height: Double = 420) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.series = series
        self.highlights = highlights
        self.width = width
        self.height = height
    }

    /// Draws the chart. Points a log axis cannot show (≤ 0) and non-finite points are left out.
    public func render() -> SVGDocument {
        let allPoints = series.flatMap(\.points) + highlights.map(\.point)
        let colors = series.enumerated().map { $1.color ?? Palette.color($0) }
        let legend = Legend(items: series.enumerated().map {
            Legend.Item(label: $1.name, color: colors[$0], swatch: $1.connected ? .lineAndDot : .circle)
        } + highlights.map { Legend.Item(label: $0.name, color: Palette.highlight, swatch: .diamond) })

        // Lay out with a provisional y scale to size the tick labels, then build the final scales.
        let provisionalY = Scale(yScale, covering: allPoints.map(\.y), range: (1, 0))
        let marginLeft = AxisRenderer.leftLabelWidth(provisionalY) + 26
        let area = PlotArea(canvasWidth: width, canvasHeight: height, marginLeft: marginLeft, marginTop: 40,
                            marginRight: 20 + legend.width, marginBottom: 56)
        let x = Scale(xScale, covering: allPoints.map(\.x), range: (area.left, area.right), padding: 0.04)
        let y = Scale(yScale, covering: allPoints.map(\.y), range: (area.bottom, area.top), padding: 0.04)

        var doc = SVGDocument(width: width, height: height, title: title)
        doc.append(ChartTitle.render(title, width: width))
        doc.append(AxisRenderer.left(y, area: area, title: yLabel, titleOffset: AxisRenderer.leftLabelWidth(y) + 14))
        doc.append(AxisRenderer.bottom(x, area: area, title: xLabel))

        for h in highlights where h.guide && y.canShow(h.point.y) {
            let gy = y.map(h.point.y)
            doc.append(.line(x1: area.left, y1: gy, x2: area.right, y2: gy, stroke: Palette.highlight, width: 1,
                             [("stroke-dasharray", "5 4"), ("stroke-opacity", "0.6"), ("class", "guide")]))
        }
        // Reserve every marker first, then place labels (highlights first) around them.
        var placer = LabelPlacer(bounds: area)
        let visible = series.map { $0.points.filter { x.canShow($0.x) && y.canShow($0.y) } }
        let shownHighlights = highlights.filter { x.canShow($0.point.x) && y.canShow($0.point.y) }
        for p in visible.joined() { placer.reserve(x: x.map(p.x), y: y.map(p.y), r: 4) }
        for h in shownHighlights { placer.reserve(x: x.map(h.point.x), y: y.map(h.point.y), r: 7) }
        let highlightLabels = shownHighlights.map {
            placer.place($0.name, x: x.map($0.point.x), y: y.map($0.point.y), size: 11, gap: 9)
        }

        for (i, s) in series.enumerated() {
            let shown = visible[i]
            var parts: [SVGElement] = []
            if s.connected && shown.count > 1 {
                let d = shown.enumerated().map { j, p in
                    (j == 0 ? "M" : "L") + svgNumber(x.map(p.x)) + " " + svgNumber(y.map(p.y))
                }.joined()
                parts.append(.path(d, fill: "none", [("stroke", colors[i]), ("stroke-width", "1.5")]))
            }
            for p in shown {
                parts.append(.circle(cx: x.map(p.x), cy: y.map(p.y), r: 4, fill: colors[i],
                                     [("stroke", "#ffffff"), ("stroke-width", "1")]))
            }
            for p in shown {
                guard let label = p.label else { continue }
                let spot = placer.place(label, x: x.map(p.x), y: y.map(p.y), size: 10, gap: 6)
                parts.append(.text(label, x: spot.x, y: spot.y, anchor: spot.anchor, size: 10, [("fill", "#333333")]))
            }
            doc.append(.group(parts, [("class", "series")]))
        }
        for (h, spot) in zip(shownHighlights, highlightLabels) {
            let px = x.map(h.point.x), py = y.map(h.point.y)
            doc.append(.group([
                .path(Marker.diamond(cx: px, cy: py, r: 7), fill: Palette.highlight, [("stroke", "#ffffff")]),
                .text(h.name, x: spot.x, y: spot.y, anchor: spot.anchor, size: 11,
                      [("fill", Palette.highlight), ("font-weight", "bold")]),
            ], [("class", "highlight")]))
        }
        doc.append(legend.render(x: area.right, y: area.top))
        return doc
    }
}

/// The chart title, centred at the top of the canvas.
enum ChartTitle {
    static func render(_ title: String, width: Double) -> SVGElement {
        .text(title, x: width / 2, y: 24, anchor: "middle", size: 15, [("font-weight", "bold"), ("fill", "#222222")])
    }
}
