import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import MarsimPlot

@Suite("Charts")
struct ChartTests {
    @Test("scatter: well-formed, one circle per point, highlighted dense marker, legend, escaped title")
    func scatter() throws {
        let chart = SampleCharts.scatter
        let doc = try parseSVG(chart.render().render())
        let points = chart.series.map(\.points.count).reduce(0, +)
        #expect(try elements("circle", in: doc).count >= points) // legend swatches add a few more
        let seriesCircles = try elements(withClass: "series", in: doc).flatMap { $0.elements(forName: "circle") }
        #expect(seriesCircles.count == points)
        let highlight = try #require(try elements(withClass: "highlight", in: doc).first)
        #expect(highlight.elements(forName: "text").first?.stringValue == "dense")
        #expect(try elements(withClass: "guide", in: doc).count == 1)
        let legend = try #require(try elements(withClass: "legend", in: doc).first)
        #expect(legend.elements(forName: "text").map(\.stringValue) == ["quantile rule", "grid calibration", "dense"])
        // The title survives escaping: <, & and quotes come back as written.
        #expect(try elements("title", in: doc).first?.stringValue == chart.title)
        let labels = try elements("text", in: doc).compactMap(\.stringValue)
        #expect(labels.contains("T=16"))
        #expect(labels.contains("10⁻³"), "log axis labels powers of ten")
        #expect(try elements(withClass: "x-axis", in: doc).count == 1)
        #expect(try elements(withClass: "y-axis", in: doc).count == 1)
    }

    @Test("scatter: points a log axis cannot show are left out, not drawn as NaN")
    func scatterNonPositive() throws {
        let chart = ScatterChart(title: "t", xLabel: "x", yLabel: "y", yScale: .log,
                                 series: [.init(name: "s", points: [.init(x: 0, y: 0), .init(x: 1, y: 1e-3),
                                                                    .init(x: 2, y: .nan)])])
        let svg = chart.render().render()
        #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"))
        let doc = try parseSVG(svg)
        #expect(try elements(withClass: "series", in: doc).flatMap { $0.elements(forName: "circle") }.count == 1)
    }

    @Test("scatter: error bars span their intervals at their points; reference lines sit at their values, in the legend")
    func errorBarsAndReferenceLines() throws {
        let chart = ScatterChart(
            title: "t", xLabel: "x", yLabel: "y",
            series: [.init(name: "s", points: [.init(x: 0, y: 1, yInterval: 0.5...1.5), .init(x: 1, y: 3, yInterval: 2...3.5)])],
            referenceLines: [.init(name: "x = 0.5", axis: .x, value: 0.5), .init(name: "y = 2", axis: .y, value: 2, color: "#00aa00"),
                             .init(name: "far", axis: .x, value: 4)],
            breakOutliers: false)
        let doc = try parseSVG(chart.render().render())
        func number(_ e: XMLElement, _ name: String) -> Double { Double(attribute(name, of: e) ?? "") ?? .nan }
        let circles = try elements(withClass: "series", in: doc).flatMap { $0.elements(forName: "circle") }
        #expect(circles.count == 2)
        let (cx0, cy0, cx1, cy1) = (number(circles[0], "cx"), number(circles[0], "cy"), number(circles[1], "cx"), number(circles[1], "cy"))
        // y is linear: a unit of y is (cy0 − cy1) / 2 pixels; the bars run ±0.5 around y = 1, and 3.5 … 2 around y = 3.
        let unit = (cy0 - cy1) / 2
        let bars = try elements(withClass: "error-bar", in: doc).map { $0.elements(forName: "line")[0] }
        #expect(bars.count == 2)
        #expect(abs(number(bars[0], "x1") - cx0) < 0.01 && abs(number(bars[1], "x1") - cx1) < 0.01)
        #expect(abs(number(bars[0], "y1") - (cy0 - 0.5 * unit)) < 0.01 && abs(number(bars[0], "y2") - (cy0 + 0.5 * unit)) < 0.01)
        #expect(abs(number(bars[1], "y1") - (cy1 - 0.5 * unit)) < 0.01 && abs(number(bars[1], "y2") - (cy1 + unit)) < 0.01)
        let lines = try elements(withClass: "reference-line", in: doc)
        #expect(lines.count == 3)
        // x = 0.5 halfway between the points; y = 2 halfway; x = 4 three x-units right of x = 1, still on the axis.
        #expect(abs(number(lines[0], "x1") - (cx0 + cx1) / 2) < 0.01 && number(lines[0], "x1") == number(lines[0], "x2"))
        #expect(abs(number(lines[1], "y1") - (cy0 + cy1) / 2) < 0.01 && attribute("stroke", of: lines[1]) == "#00aa00")
        #expect(abs(number(lines[2], "x1") - (cx1 + 3 * (cx1 - cx0))) < 0.01)
        let legend = try #require(try elements(withClass: "legend", in: doc).first)
        #expect(legend.elements(forName: "text").map(\.stringValue) == ["s", "x = 0.5", "y = 2", "far"])
    }

    @Test("scatter: a highlight's interval is drawn as an error bar at the diamond, after the series' bars")
    func highlightErrorBar() throws {
        let chart = ScatterChart(title: "t", xLabel: "x", yLabel: "y",
                                 series: [.init(name: "s", points: [.init(x: 0, y: 1), .init(x: 1, y: 3)])],
                                 highlights: [.init(name: "dense", x: 0.5, y: 2, yInterval: 1.5...2.5)], breakOutliers: false)
        let doc = try parseSVG(chart.render().render())
        func number(_ e: XMLElement, _ name: String) -> Double { Double(attribute(name, of: e) ?? "") ?? .nan }
        let circles = try elements(withClass: "series", in: doc).flatMap { $0.elements(forName: "circle") }
        let (cx0, cy0, cx1, cy1) = (number(circles[0], "cx"), number(circles[0], "cy"), number(circles[1], "cx"), number(circles[1], "cy"))
        let bars = try elements(withClass: "error-bar", in: doc).map { $0.elements(forName: "line")[0] }
        #expect(bars.count == 1)
        // Halfway in x between the points; y from 2.5 (a quarter of the way from y = 3 to y = 1) to 1.5.
        #expect(abs(number(bars[0], "x1") - (cx0 + cx1) / 2) < 0.01)
        #expect(abs(number(bars[0], "y1") - (cy1 + (cy0 - cy1) / 4)) < 0.01 && abs(number(bars[0], "y2") - (cy1 + 3 * (cy0 - cy1) / 4)) < 0.01)
    }

    @Test("stacked bars: one rect per non-zero segment, totals, legend per segment")
    func stacked() throws {
        let chart = SampleCharts.stacked
        let doc = try parseSVG(chart.render().render())
        let bars = try elements(withClass: "bar", in: doc)
        #expect(bars.count == chart.bars.count)
        let nonZero = chart.bars.map { $0.values.filter { $0 > 0 }.count }
        #expect(bars.map { $0.elements(forName: "rect").count } == nonZero)
        let texts = bars.flatMap { $0.elements(forName: "text") }.compactMap(\.stringValue)
        #expect(texts.contains("1.29") && texts.contains("dense"))
        let legend = try #require(try elements(withClass: "legend", in: doc).first)
        let present = chart.segmentNames.indices.filter { i in chart.bars.contains { i < $0.values.count && $0.values[i] > 0 } }
        #expect(legend.elements(forName: "text").count == present.count, "an all-zero segment is left out of the legend")
        // Tooltips name bar, segment and value.
        #expect(bars[0].elements(forName: "rect")[0].elements(forName: "title").first?.stringValue?.hasPrefix("dense · mac") == true)
    }

    @Test("stacked bars: segments stack to the total's height")
    func stackHeights() throws {
        let chart = StackedBarChart(title: "t", yLabel: "J", segmentNames: ["a", "b"],
                                    bars: [.init(label: "x", values: [1, 3]), .init(label: "y", values: [2, -1])])
        let doc = try parseSVG(chart.render().render())
        let rects = try elements(withClass: "bar", in: doc).map { $0.elements(forName: "rect") }
        #expect(rects[0].count == 2 && rects[1].count == 1, "negative values are drawn as 0")
        let h = rects[0].map { Double(attribute("height", of: $0)!)! }
        let hy = Double(attribute("height", of: rects[1][0])!)!
        #expect(abs(h[1] / h[0] - 3) < 0.05 && abs(hy / h[0] - 2) < 0.05)
    }

    @Test("raster: one square per spike, two polarities in two colours, band labels")
    func raster() throws {
        let chart = SampleCharts.raster
        let doc = try parseSVG(chart.render().render())
        let positive = try #require(try elements(withClass: "spikes-positive", in: doc).first)
        let negative = try #require(try elements(withClass: "spikes-negative", in: doc).first)
        let count = { (e: XMLElement) in attribute("d", of: e)!.filter { $0 == "M" }.count }
        #expect(count(positive) == chart.events.filter { $0.polarity > 0 }.count)
        #expect(count(negative) == chart.events.filter { $0.polarity < 0 }.count)
        #expect(attribute("fill", of: positive) != attribute("fill", of: negative))
        let rowLabels = try #require(try elements(withClass: "rows", in: doc).first).elements(forName: "text").compactMap(\.stringValue)
        #expect(rowLabels == ["mixer.in_proj", "mixer.out_proj", "mlp.down_proj"])
        let labels = try elements("text", in: doc).compactMap(\.stringValue)
        #expect(labels.contains("time (ms)"))
    }

    @Test("raster: events outside the rows are skipped; an empty raster is still valid")
    func rasterEdges() throws {
        let chart = SpikeRaster(title: "empty", events: [.init(timeMs: 1, row: 9, polarity: 1)], rowCount: 3)
        let doc = try parseSVG(chart.render().render())
        #expect(try elements(withClass: "spikes-positive", in: doc).isEmpty)
    }

    @Test("horizontal bars: one bar per site with a percent label")
    func horizontal() throws {
        let chart = SampleCharts.hbar
        let doc = try parseSVG(chart.render().render())
        let bars = try elements(withClass: "bar", in: doc)
        #expect(bars.count == chart.bars.count)
        #expect(bars.allSatisfy { $0.elements(forName: "rect").count == 1 })
        let first = bars[0].elements(forName: "text").compactMap(\.stringValue)
        #expect(first == ["layer00.mixer.in_proj", "9%"])
        #expect(HorizontalBarChart.shortened(String(repeating: "x", count: 50)).count == 40)
    }

    static let rsvgConvert = "/usr/bin/rsvg-convert"

    /// The width and height in a PNG's IHDR chunk.
    static func pngSize(_ data: Data) -> (Int, Int)? {
        guard data.count >= 24, data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { return nil }
        let be = { (o: Int) in data[o..<(o + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }

    @Test("every chart renders with rsvg-convert (librsvg, installed by make) to a PNG of the SVG's size",
          .enabled(if: FileManager.default.isExecutableFile(atPath: rsvgConvert), "rsvg-convert missing: apt-get install librsvg2-bin"))
    func rsvg() throws {
        let tool = Self.rsvgConvert
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let docs = [SampleCharts.scatter.render(), SampleCharts.stacked.render(), SampleCharts.raster.render(),
                    SampleCharts.hbar.render(), ReadabilityTests.whatIf.render()]
        for (i, doc) in docs.enumerated() {
            let svg = dir.appendingPathComponent("\(i).svg"), png = dir.appendingPathComponent("\(i).png")
            try doc.write(toFile: svg.path)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = ["-o", png.path, svg.path]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let size = FileManager.default.contents(atPath: png.path).flatMap(Self.pngSize)
            #expect(size.map { $0 == (Int(doc.width.rounded()), Int(doc.height.rounded())) } == true, "\(String(describing: size))")
        }
    }
}
