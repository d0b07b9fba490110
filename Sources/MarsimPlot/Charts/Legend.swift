/// A legend: a column of swatches with labels, drawn to the right of a plot.
public struct Legend: Sendable, Equatable {
    /// How an entry's swatch is drawn.
    public enum Swatch: Sendable, Equatable {
        case square
        case circle
        case diamond
        /// A short line with a dot, for connected series.
        case lineAndDot
        /// A dashed line: a reference line.
        case dashedLine
    }

    public struct Item: Sendable, Equatable {
        public var label: String
        public var color: String
        public var swatch: Swatch
        public init(label: String, color: String, swatch: Swatch = .square) {
            self.label = label
            self.color = color
            self.swatch = swatch
        }
    }

    public var items: [Item]
    public init(items: [Item]) { self.items = items }

    static let rowHeight = 18.0
    static let fontSize = 11.0

    /// The width the legend takes (0 when empty), including a left gap.
    public var width: Double {
        guard !items.isEmpty else { return 0 }
        return 16 + 22 + (items.map { TextMetrics.width($0.label, size: Self.fontSize) }.max() ?? 0) + 8
    }

    /// The legend with its top-left corner at (x, y).
    public func render(x: Double, y: Double) -> SVGElement {
        var parts: [SVGElement] = []
        let x0 = x + 16
        for (i, item) in items.enumerated() {
            let cy = y + Double(i) * Self.rowHeight + 9
            switch item.swatch {
            case .square:
                parts.append(.rect(x: x0, y: cy - 5, width: 10, height: 10, fill: item.color))
            case .circle:
                parts.append(.circle(cx: x0 + 5, cy: cy, r: 4, fill: item.color))
            case .diamond:
                parts.append(.path(Marker.diamond(cx: x0 + 5, cy: cy, r: 6), fill: item.color))
            case .lineAndDot:
                parts.append(.line(x1: x0 - 3, y1: cy, x2: x0 + 13, y2: cy, stroke: item.color, width: 2))
                parts.append(.circle(cx: x0 + 5, cy: cy, r: 3.5, fill: item.color))
            case .dashedLine:
                parts.append(.line(x1: x0 - 3, y1: cy, x2: x0 + 13, y2: cy, stroke: item.color, width: 1.5, [("stroke-dasharray", "4 3")]))
            }
            parts.append(.text(item.label, x: x0 + 20, y: cy + 4, size: Self.fontSize, [("fill", "#333333")]))
        }
        return .group(parts, [("class", "legend")])
    }
}

/// Path data for point markers.
enum Marker {
    /// A diamond centred on (cx, cy) with half-diagonal r.
    static func diamond(cx: Double, cy: Double, r: Double) -> String {
        "M\(svgNumber(cx)) \(svgNumber(cy - r))L\(svgNumber(cx + r)) \(svgNumber(cy))L\(svgNumber(cx)) \(svgNumber(cy + r))L\(svgNumber(cx - r)) \(svgNumber(cy))Z"
    }
}
