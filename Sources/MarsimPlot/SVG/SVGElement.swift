/// One SVG element: a name, attributes in order, and either text or children.
///
/// Values are escaped when rendered, so callers pass plain strings (labels may contain `<`, `&`, quotes).
public struct SVGElement: Sendable, Equatable {
    public var name: String
    /// Attribute (name, value) pairs, rendered in this order.
    public var attributes: [Attribute]
    /// Character data (for `text`, `title`, `tspan` …); rendered before the children.
    public var text: String?
    public var children: [SVGElement]

    /// One attribute of an element.
    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil, children: [SVGElement] = []) {
        self.name = name
        self.attributes = attributes.map { Attribute($0.0, $0.1) }
        self.text = text
        self.children = children
    }

    /// Appends the element's XML to `out`, indented by `depth` levels.
    public func render(into out: inout String, depth: Int = 0) {
        let pad = String(repeating: "  ", count: depth)
        out += pad + "<" + name
        for a in attributes {
            out += " " + a.name + "=\"" + XMLEscaping.attribute(a.value) + "\""
        }
        if text == nil && children.isEmpty {
            out += "/>\n"
            return
        }
        out += ">"
        if let text { out += XMLEscaping.text(text) }
        if children.isEmpty {
            out += "</" + name + ">\n"
            return
        }
        out += "\n"
        for child in children { child.render(into: &out, depth: depth + 1) }
        out += pad + "</" + name + ">\n"
    }

    // MARK: - Common shapes (coordinates in user units, i.e. pixels of the canvas)

    public static func group(_ children: [SVGElement], _ attributes: [(String, String)] = []) -> SVGElement {
        SVGElement("g", attributes, children: children)
    }

    public static func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                            _ extra: [(String, String)] = []) -> SVGElement {
        SVGElement("rect", [("x", svgNumber(x)), ("y", svgNumber(y)), ("width", svgNumber(max(0, width))),
                            ("height", svgNumber(max(0, height))), ("fill", fill)] + extra)
    }

    public static func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
                            _ extra: [(String, String)] = []) -> SVGElement {
        SVGElement("line", [("x1", svgNumber(x1)), ("y1", svgNumber(y1)), ("x2", svgNumber(x2)), ("y2", svgNumber(y2)),
                            ("stroke", stroke), ("stroke-width", svgNumber(width))] + extra)
    }

    public static func circle(cx: Double, cy: Double, r: Double, fill: String,
                              _ extra: [(String, String)] = []) -> SVGElement {
        SVGElement("circle", [("cx", svgNumber(cx)), ("cy", svgNumber(cy)), ("r", svgNumber(r)), ("fill", fill)] + extra)
    }

    public static func path(_ d: String, fill: String, _ extra: [(String, String)] = []) -> SVGElement {
        SVGElement("path", [("d", d), ("fill", fill)] + extra)
    }

    /// Text anchored at (x, y); `anchor` is `start`, `middle` or `end`.
    public static func text(_ s: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
                            _ extra: [(String, String)] = []) -> SVGElement {
        SVGElement("text", [("x", svgNumber(x)), ("y", svgNumber(y)), ("text-anchor", anchor),
                            ("font-size", svgNumber(size))] + extra, text: s)
    }
}

/// A coordinate or length for SVG: at most two decimals, no trailing zeros, never `-0`, `nan` or `inf`
/// (non-finite values become 0 so one bad data point cannot make the file invalid).
public func svgNumber(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    let scaled = (v * 100).rounded()
    if scaled == 0 { return "0" }
    let negative = scaled < 0
    let magnitude = Int64(abs(scaled))
    let whole = magnitude / 100, frac = magnitude % 100
    var s = (negative ? "-" : "") + String(whole)
    if frac != 0 {
        s += "." + (frac < 10 ? "0" : "") + String(frac)
        while s.hasSuffix("0") { s.removeLast() }
    }
    return s
}
