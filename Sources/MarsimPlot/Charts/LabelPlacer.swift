/// Places point labels so they avoid each other and the points: for each label it tries the four
/// corners around its point (upper right first) and takes the first spot that stays inside the plot and
/// overlaps nothing placed so far; if none is free, the first spot inside the plot.
struct LabelPlacer {
    struct Box {
        var minX, minY, maxX, maxY: Double
        func overlaps(_ o: Box) -> Bool {
            minX < o.maxX && o.minX < maxX && minY < o.maxY && o.minY < maxY
        }
    }

    /// Where a label goes: its baseline anchor point and text-anchor.
    struct Placement {
        var x: Double
        var y: Double
        var anchor: String
    }

    let bounds: PlotArea
    private(set) var occupied: [Box] = []

    init(bounds: PlotArea) { self.bounds = bounds }

    /// Marks a marker of radius `r` at (x, y) as occupied.
    mutating func reserve(x: Double, y: Double, r: Double) {
        occupied.append(Box(minX: x - r, minY: y - r, maxX: x + r, maxY: y + r))
    }

    /// Chooses a spot for `text` (font `size`) next to (x, y), at `gap` pixels, and marks it occupied.
    mutating func place(_ text: String, x: Double, y: Double, size: Double, gap: Double) -> Placement {
        let w = TextMetrics.width(text, size: size), h = size
        let candidates = [
            Placement(x: x + gap, y: y - gap, anchor: "start"), Placement(x: x + gap, y: y + gap + h, anchor: "start"),
            Placement(x: x - gap, y: y - gap, anchor: "end"), Placement(x: x - gap, y: y + gap + h, anchor: "end"),
        ]
        func box(_ p: Placement) -> Box {
            let minX = p.anchor == "start" ? p.x : p.x - w
            return Box(minX: minX, minY: p.y - h, maxX: minX + w, maxY: p.y + 2)
        }
        func inside(_ b: Box) -> Bool {
            b.minX >= bounds.left && b.maxX <= bounds.right && b.minY >= bounds.top - 4 && b.maxY <= bounds.bottom
        }
        let fitting = candidates.filter { inside(box($0)) }
        let chosen = fitting.first { c in !occupied.contains { $0.overlaps(box(c)) } } ?? fitting.first ?? candidates[0]
        occupied.append(box(chosen))
        return chosen
    }
}
