/// Draws axes: the axis line, ticks, tick labels, grid lines and the axis title.
enum AxisRenderer {
    static let axisColor = "#333333"
    static let gridColor = "#e6e6e6"
    static let tickLength = 5.0
    static let minorTickLength = 3.0

    /// A horizontal axis along the bottom of `area`.
    static func bottom(_ scale: Scale, area: PlotArea, title: String, grid: Bool = true) -> SVGElement {
        var parts: [SVGElement] = []
        let ticks = scale.ticks()
        if grid {
            for t in ticks where t.isMajor {
                let x = scale.map(t.value)
                parts.append(.line(x1: x, y1: area.top, x2: x, y2: area.bottom, stroke: gridColor))
            }
        }
        parts.append(.line(x1: area.left, y1: area.bottom, x2: area.right, y2: area.bottom, stroke: axisColor))
        for t in ticks {
            let x = scale.map(t.value)
            let length = t.isMajor ? tickLength : minorTickLength
            parts.append(.line(x1: x, y1: area.bottom, x2: x, y2: area.bottom + length, stroke: axisColor))
            if let label = t.label {
                parts.append(.text(label, x: x, y: area.bottom + length + 13, anchor: "middle", size: 11,
                                   [("fill", axisColor)]))
            }
        }
        if !title.isEmpty {
            parts.append(.text(title, x: area.left + area.width / 2, y: area.bottom + 40, anchor: "middle", size: 12,
                               [("fill", axisColor)]))
        }
        return .group(parts, [("class", "axis x-axis")])
    }

    /// A vertical axis along the left of `area`; `titleOffset` is the title's distance from the axis line.
    static func left(_ scale: Scale, area: PlotArea, title: String, grid: Bool = true, titleOffset: Double = 52) -> SVGElement {
        var parts: [SVGElement] = []
        let ticks = scale.ticks()
        if grid {
            for t in ticks where t.isMajor {
                let y = scale.map(t.value)
                parts.append(.line(x1: area.left, y1: y, x2: area.right, y2: y, stroke: gridColor))
            }
        }
        parts.append(.line(x1: area.left, y1: area.top, x2: area.left, y2: area.bottom, stroke: axisColor))
        for t in ticks {
            let y = scale.map(t.value)
            let length = t.isMajor ? tickLength : minorTickLength
            parts.append(.line(x1: area.left - length, y1: y, x2: area.left, y2: y, stroke: axisColor))
            if let label = t.label {
                parts.append(.text(label, x: area.left - length - 3, y: y + 4, anchor: "end", size: 11,
                                   [("fill", axisColor)]))
            }
        }
        if !title.isEmpty {
            let x = area.left - titleOffset, y = area.top + area.height / 2
            parts.append(.text(title, x: x, y: y, anchor: "middle", size: 12,
                               [("fill", axisColor), ("transform", "rotate(-90 \(svgNumber(x)) \(svgNumber(y)))")]))
        }
        return .group(parts, [("class", "axis y-axis")])
    }

    /// Space the labels of a left axis need: the widest tick label plus the tick and a gap.
    static func leftLabelWidth(_ scale: Scale) -> Double {
        let widest = scale.ticks().compactMap(\.label).map { TextMetrics.width($0, size: 11) }.max() ?? 0
        return widest + tickLength + 6
    }
}
