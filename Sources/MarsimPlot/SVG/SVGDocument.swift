import Foundation

/// An SVG canvas: a fixed size in pixels, a title, and elements drawn in order (later on top).
///
/// `render()` produces a standalone SVG 1.1 file (XML declaration, `xmlns`, `viewBox`) that browsers,
/// `rsvg-convert` and XML parsers accept.
public struct SVGDocument: Sendable, Equatable {
    public var width: Double
    public var height: Double
    /// The document title (`<title>`): shown as tooltip / used by screen readers.
    public var title: String?
    public private(set) var elements: [SVGElement] = []

    /// The font stack used by the charts.
    public static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

    public init(width: Double, height: Double, title: String? = nil) {
        self.width = width
        self.height = height
        self.title = title
    }

    public mutating func append(_ element: SVGElement) { elements.append(element) }

    public mutating func append(contentsOf elements: [SVGElement]) { self.elements += elements }

    /// The SVG file's text.
    public func render() -> String {
        var root = SVGElement("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("version", "1.1"),
            ("width", svgNumber(width)), ("height", svgNumber(height)),
            ("viewBox", "0 0 \(svgNumber(width)) \(svgNumber(height))"),
            ("font-family", Self.fontFamily),
        ])
        if let title { root.children.append(SVGElement("title", text: title)) }
        root.children.append(.rect(x: 0, y: 0, width: width, height: height, fill: "#ffffff"))
        root.children += elements
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        root.render(into: &out)
        return out
    }

    /// Writes `render()` to `path` as UTF-8.
    public func write(toFile path: String) throws {
        try render().write(toFile: path, atomically: true, encoding: .utf8)
    }
}
