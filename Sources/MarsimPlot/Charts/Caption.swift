import Foundation

/// A figure caption: small grey lines under the chart saying what produced it (tool version,
/// checkpoint, tokens, profile), so a figure lifted into a paper still carries its provenance.
enum Caption {
    static let fontSize = 10.0
    static let lineHeight = 14.0

    /// `text` broken into lines that fit `width` pixels, at " · " separators where possible.
    static func lines(_ text: String, width: Double) -> [String] {
        let parts = text.components(separatedBy: " · ")
        var lines: [String] = [], current = ""
        for part in parts {
            let candidate = current.isEmpty ? part : current + " · " + part
            if TextMetrics.width(candidate, size: fontSize) > width - 24, !current.isEmpty {
                lines.append(current)
                current = part
            } else {
                current = candidate
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Extra canvas height a caption needs (0 without one).
    static func height(_ text: String?, width: Double) -> Double {
        guard let text, !text.isEmpty else { return 0 }
        return Double(lines(text, width: width).count) * lineHeight + 6
    }

    /// The caption's lines, left-aligned, starting `top` pixels from the canvas top.
    static func render(_ text: String, width: Double, top: Double) -> SVGElement {
        let parts = lines(text, width: width).enumerated().map { i, line in
            SVGElement.text(line, x: 12, y: top + Double(i + 1) * lineHeight - 2, size: fontSize, [("fill", "#666666")])
        }
        return .group(parts, [("class", "caption")])
    }
}

extension SVGDocument {
    /// Adds `caption` below the chart, growing the canvas to make room for it.
    mutating func appendCaption(_ caption: String?) {
        guard let caption, !caption.isEmpty else { return }
        let top = height
        height += Caption.height(caption, width: width)
        append(Caption.render(caption, width: width, top: top))
    }
}
