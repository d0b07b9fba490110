/// The rectangle data is drawn in, in canvas pixels (y grows downwards, as in SVG).
public struct PlotArea: Sendable, Equatable {
    public var left: Double
    public var top: Double
    public var width: Double
    public var height: Double

    public init(left: Double, top: Double, width: Double, height: Double) {
        self.left = left
        self.top = top
        self.width = max(1, width)
        self.height = max(1, height)
    }

    public var right: Double { left + width }
    public var bottom: Double { top + height }

    /// The area left inside a canvas after margins on each side.
    public init(canvasWidth: Double, canvasHeight: Double, marginLeft: Double, marginTop: Double,
                marginRight: Double, marginBottom: Double) {
        self.init(left: marginLeft, top: marginTop, width: canvasWidth - marginLeft - marginRight,
                  height: canvasHeight - marginTop - marginBottom)
    }
}

/// Rough text metrics for layout, without a font engine: DejaVu Sans / Helvetica average about 0.6 em
/// per character. Used only to reserve space for labels and legends.
enum TextMetrics {
    static func width(_ s: String, size: Double = 12) -> Double {
        Double(s.count) * size * 0.6
    }
}
