/// Places point labels so they never overlap each other or any marker: for each label it tries
/// eight spots around its point (right, left, the four corners, above, below) at the marker's gap,
/// then the same eight farther out (drawn with a leader line), and takes the first spot that stays
/// inside the plot and overlaps nothing placed so far, preferring spots no series line crosses.
/// Only when every spot is taken does it fall back to the least crowded one.
struct LabelPlacer {
    struct Box: Equatable {
        var minX, minY, maxX, maxY: Double
        func overlaps(_ o: Box) -> Bool {
            minX < o.maxX && o.minX < maxX && minY < o.maxY && o.minY < maxY
        }

        /// Whether the segment from (x1, y1) to (x2, y2) passes through the box (Liang–Barsky clipping).
        func crosses(x1: Double, y1: Double, x2: Double, y2: Double) -> Bool {
            var t0 = 0.0, t1 = 1.0
            let dx = x2 - x1, dy = y2 - y1
            for (p, q) in [(-dx, x1 - minX), (dx, maxX - x1), (-dy, y1 - minY), (dy, maxY - y1)] {
                if p == 0 {
                    if q < 0 { return false }
                } else {
                    let r = q / p
                    if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
                    if t0 > t1 { return false }
                }
            }
            return true
        }
    }

    /// Where a label goes: its baseline anchor point, text-anchor, and whether it sits far enough
    /// from its point to need a leader line (then `leader` is the line's end at the label).
    struct Placement {
        var x: Double
        var y: Double
        var anchor: String
        var leader: (x: Double, y: Double)? = nil
    }

    let bounds: PlotArea
    private(set) var occupied: [Box] = []
    /// Series lines, as segments; labels avoid crossing them when they can.
    private(set) var segments: [(Double, Double, Double, Double)] = []

    init(bounds: PlotArea) { self.bounds = bounds }

    /// Marks a marker of radius `r` at (x, y) as occupied.
    mutating func reserve(x: Double, y: Double, r: Double) {
        occupied.append(Box(minX: x - r, minY: y - r, maxX: x + r, maxY: y + r))
    }

    /// Records a series line segment that labels should not cover.
    mutating func reserveSegment(x1: Double, y1: Double, x2: Double, y2: Double) {
        segments.append((x1, y1, x2, y2))
    }

    /// The box of `text` (font `size`) placed at `p`.
    static func box(_ p: Placement, width w: Double, size h: Double) -> Box {
        let minX = p.anchor == "start" ? p.x : p.anchor == "end" ? p.x - w : p.x - w / 2
        return Box(minX: minX, minY: p.y - h, maxX: minX + w, maxY: p.y + 0.25 * h)
    }

    /// Eight spots around (x, y) at distance `d`, in order of preference.
    static func ring(x: Double, y: Double, d: Double, size h: Double) -> [Placement] {
        let mid = y + 0.35 * h, diag = d * 0.75
        return [
            Placement(x: x + d, y: mid, anchor: "start"), Placement(x: x - d, y: mid, anchor: "end"),
            Placement(x: x + diag, y: y - diag, anchor: "start"), Placement(x: x + diag, y: y + diag + h, anchor: "start"),
            Placement(x: x - diag, y: y - diag, anchor: "end"), Placement(x: x - diag, y: y + diag + h, anchor: "end"),
            Placement(x: x, y: y - d, anchor: "middle"), Placement(x: x, y: y + d + h, anchor: "middle"),
        ]
    }

    /// Chooses a spot for `text` (font `size`) next to (x, y), `gap` pixels from it, and marks it occupied.
    mutating func place(_ text: String, x: Double, y: Double, size: Double, gap: Double) -> Placement {
        let w = TextMetrics.width(text, size: size)
        let near = Self.ring(x: x, y: y, d: gap, size: size)
        let far = [2.4, 4.0].flatMap { Self.ring(x: x, y: y, d: gap * $0 + size, size: size) }
        let area = bounds
        let inside = { (b: Box) in
            b.minX >= area.left + 1 && b.maxX <= area.right - 1 && b.minY >= area.top && b.maxY <= area.bottom
        }
        let candidates = (near + far).filter { inside(Self.box($0, width: w, size: size)) }
        let free = candidates.filter { c in
            let b = Self.box(c, width: w, size: size)
            return !occupied.contains { $0.overlaps(b) }
        }
        let clear = free.first { c in
            let b = Self.box(c, width: w, size: size)
            return !segments.contains { b.crosses(x1: $0.0, y1: $0.1, x2: $0.2, y2: $0.3) }
        }
        let fallback = candidates.min { a, b in
            let ba = Self.box(a, width: w, size: size), bb = Self.box(b, width: w, size: size)
            return occupied.filter { $0.overlaps(ba) }.count < occupied.filter { $0.overlaps(bb) }.count
        }
        var chosen = clear ?? free.first ?? fallback ?? near[0]
        let b = Self.box(chosen, width: w, size: size)
        if !near.contains(where: { $0.x == chosen.x && $0.y == chosen.y }) {
            // Leader from the point to the nearest point of the label's box.
            chosen.leader = (min(max(x, b.minX), b.maxX), min(max(y, b.minY), b.maxY))
        }
        occupied.append(b)
        return chosen
    }
}
