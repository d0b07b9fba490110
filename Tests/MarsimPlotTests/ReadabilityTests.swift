import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import MarsimPlot
import Testing

/// What makes a figure acceptable in a paper: SI-prefixed units instead of e-notation, labels that
/// never overlap (checked on the SVG's geometry), an outlier that does not squash the rest, legends
/// of what is drawn, token boundaries in the raster, provenance in a caption.
@Suite("Readable figures")
struct ReadabilityTests {
    /// The embedded checkpoint's what-if on horowitz-45nm-memory (README's worked study): bits/byte
    /// and J/token per placement through T = 1, 2, 4, 8, with T = 1 "all" far out at 9.87 bits/byte.
    static var whatIf: ScatterChart {
        let data: [(String, [(Double, Double)])] = [
            ("mixer", [(4.873, 4.29e-4), (1.515, 4.87e-4), (1.061, 6.39e-4), (1.001, 9.48e-4)]),
            ("mlp", [(2.658, 3.19e-4), (2.413, 3.95e-4), (1.369, 5.99e-4), (1.094, 1.05e-3)]),
            ("all", [(9.865, 5.22e-5), (2.934, 1.85e-4), (1.413, 5.40e-4), (1.096, 1.31e-3)]),
        ]
        return ScatterChart(
            title: "Energy vs fidelity — horowitz-45nm-memory", xLabel: "bits per byte (lower is better)",
            yLabel: "energy per token", yScale: .log,
            series: data.map { name, points in
                .init(name: "placement \(name)", points: zip([1, 2, 4, 8], points).map { .init(x: $1.0, y: $1.1, label: "T=\($0)") },
                      connected: true)
            },
            highlights: [.init(name: "dense", x: 0.992, y: 6.99e-4)], width: 760, height: 480, yUnit: "J",
            caption: "marsim 0.1.0 · tiny-llamba-bytes · 1024 tokens of heldout.txt · profile horowitz-45nm-memory")
    }

    /// A text element's box as the renderer lays it out (the charts' own metric: 0.6 em per character).
    struct TextBox {
        var text: String
        var minX, minY, maxX, maxY: Double
        func overlaps(_ o: TextBox) -> Bool { minX < o.maxX && o.minX < maxX && minY < o.maxY && o.minY < maxY }
    }

    static func box(_ e: XMLElement) -> TextBox {
        let size = Double(attribute("font-size", of: e) ?? "12") ?? 12
        let x = Double(attribute("x", of: e)!)!, y = Double(attribute("y", of: e)!)!
        let text = e.stringValue ?? "", w = Double(text.count) * size * 0.6
        let anchor = attribute("text-anchor", of: e) ?? "start"
        let minX = anchor == "start" ? x : anchor == "end" ? x - w : x - w / 2
        return TextBox(text: text, minX: minX, minY: y - size, maxX: minX + w, maxY: y + 0.25 * size)
    }

    @Test("SI prefixes: values and axis ticks in µJ/mJ, never e-notation")
    func siLabels() {
        #expect(ValueFormat.si(6.99e-4, unit: "J") == "699 µJ")
        #expect(ValueFormat.si(1.31e-3, unit: "J") == "1.31 mJ")
        #expect(ValueFormat.si(5.22e-5, unit: "J") == "52.2 µJ")
        #expect(ValueFormat.si(9.9996e-4, unit: "J") == "1 mJ")
        #expect(ValueFormat.si(2.24e-6, unit: "J") == "2.24 µJ")
        #expect(ValueFormat.si(0, unit: "J") == "0 J")
        let linear = Scale(.linear, covering: [0, 1.31e-3], range: (0, 1), includeZero: true, unit: "J")
        #expect(linear.ticks().compactMap(\.label) == ["0", "0.2 mJ", "0.4 mJ", "0.6 mJ", "0.8 mJ", "1.0 mJ", "1.2 mJ", "1.4 mJ"])
        let log = Scale(.log, covering: [5.22e-5, 1.31e-3], range: (0, 1), padding: 0.06, unit: "J", tight: true)
        let labels = log.ticks().compactMap(\.label)
        #expect(labels == ["50 µJ", "100 µJ", "200 µJ", "500 µJ", "1 mJ"])
        #expect(log.lower > 4e-5 && log.lower < 5.22e-5 && log.upper > 1.31e-3 && log.upper < 1.7e-3, "tight: ends just past the data")
    }

    @Test("The crowded what-if scatter: no label overlaps another label or any marker")
    func noOverlaps() throws {
        let doc = try parseSVG(Self.whatIf.render().render())
        let labels = try elements(withClass: "point-label", in: doc).map(Self.box)
        #expect(labels.count == 13)
        for (i, a) in labels.enumerated() {
            for b in labels[(i + 1)...] { #expect(!a.overlaps(b), "\(a.text) overlaps \(b.text)") }
        }
        let markers = try elements(withClass: "series", in: doc).flatMap { $0.elements(forName: "circle") }.map { c in
            let cx = Double(attribute("cx", of: c)!)!, cy = Double(attribute("cy", of: c)!)!
            return TextBox(text: "marker", minX: cx - 4, minY: cy - 4, maxX: cx + 4, maxY: cy + 4)
        }
        #expect(markers.count == 12)
        for label in labels {
            for m in markers { #expect(!label.overlaps(m), "\(label.text) covers a marker at \(m.minX + 4), \(m.minY + 4)") }
        }
        // Tick labels of each axis do not collide either.
        for axis in ["x-axis", "y-axis"] {
            let ticks = try elements(withClass: axis, in: doc).flatMap { $0.elements(forName: "text") }.map(Self.box)
            for (i, a) in ticks.enumerated() { for b in ticks[(i + 1)...] { #expect(!a.overlaps(b), "\(axis): \(a.text) / \(b.text)") } }
        }
    }

    @Test("An outlier goes beyond a broken axis with its value; the axis covers the rest tightly")
    func outlierBreak() throws {
        #expect(ScatterChart.outlierFence([0.99, 4.87, 1.52, 1.06, 1.0, 2.66, 2.41, 1.37, 1.09, 9.87, 2.93, 1.41, 1.1]).map { $0 < 9.87 && $0 > 4.87 } == true)
        #expect(ScatterChart.outlierFence([1, 2, 3, 4, 5]) == nil)
        #expect(ScatterChart.outlierFence([1, 1, 50]) == nil, "fewer than four points: no break")
        let doc = try parseSVG(Self.whatIf.render().render())
        let strip = try #require(try elements(withClass: "outlier-strip", in: doc).first)
        #expect(strip.elements(forName: "text").compactMap(\.stringValue) == ["9.87"])
        let xTicks = try elements(withClass: "x-axis", in: doc).flatMap { $0.elements(forName: "text") }.compactMap(\.stringValue)
        let numbers = xTicks.compactMap(Double.init)
        #expect(numbers.max() == 5, "the axis ends just past 4.87, not at 10 or 12: \(xTicks)")
        let dashed = try elements(withClass: "series", in: doc).flatMap { $0.elements(forName: "line") }
            .filter { attribute("stroke-dasharray", of: $0) != nil }
        #expect(dashed.count == 1, "the segment into the strip is dashed")
    }

    @Test("Legends list only what is drawn, with each stacked segment's share")
    func legends() throws {
        let bars = StackedBarChart(title: "t", yLabel: "energy per token", segmentNames: ["MAC", "AC", "static"],
                                   bars: [.init(label: "dense", values: [3e-4, 0, 0]), .init(label: "T=4", values: [1e-4, 1e-6, 0])],
                                   unit: "J")
        let doc = try parseSVG(bars.render().render())
        let legend = try #require(try elements(withClass: "legend", in: doc).first)
        #expect(legend.elements(forName: "text").compactMap(\.stringValue) == ["AC (0.2%)", "MAC (100%)"])
        let totals = try elements(withClass: "bar", in: doc).flatMap { $0.elements(forName: "text") }.compactMap(\.stringValue)
        #expect(totals.contains("300 µJ") && totals.contains("101 µJ"))
        var scatter = Self.whatIf
        scatter.series.append(.init(name: "nothing drawable", points: [.init(x: 1, y: 0)]))
        let names = try #require(try elements(withClass: "legend", in: try parseSVG(scatter.render().render())).first)
            .elements(forName: "text").compactMap(\.stringValue)
        #expect(names == ["placement mixer", "placement mlp", "placement all", "dense"])
    }

    @Test("Raster: a labelled dashed boundary per token; the window ends at the data")
    func rasterBoundaries() throws {
        let raster = SpikeRaster(title: "r", xLabel: "tick", events: [.init(timeMs: 0.5, row: 0, polarity: 1), .init(timeMs: 7.5, row: 1, polarity: -1)],
                                 rowCount: 2, timeRangeMs: 0...8, boundaries: [.init(timeMs: 0, label: "'a'"), .init(timeMs: 4, label: "'b'")],
                                 caption: "marsim 0.1.0 · test")
        let doc = try parseSVG(raster.render().render())
        let group = try #require(try elements(withClass: "boundaries", in: doc).first)
        #expect(group.elements(forName: "line").count == 2)
        #expect(group.elements(forName: "text").compactMap(\.stringValue) == ["'a'", "'b'"])
        let ticks = try elements(withClass: "x-axis", in: doc).flatMap { $0.elements(forName: "text") }.compactMap(\.stringValue)
        #expect(ticks.compactMap(Double.init).max() == 8, "\(ticks)")
        let caption = try #require(try elements(withClass: "caption", in: doc).first)
        #expect(caption.elements(forName: "text").first?.stringValue == "marsim 0.1.0 · test")
    }

    @Test("Captions wrap at separators and grow the canvas")
    func captions() {
        let long = (1...12).map { "part number \($0)" }.joined(separator: " · ")
        let lines = Caption.lines(long, width: 400)
        #expect(lines.count > 1 && lines.joined(separator: " · ") == long)
        #expect(lines.allSatisfy { TextMetrics.width($0, size: Caption.fontSize) <= 400 - 24 })
        let plain = Self.whatIf.render(), bare: ScatterChart = { var c = Self.whatIf; c.caption = nil; return c }()
        #expect(plain.height > bare.render().height)
    }
}
