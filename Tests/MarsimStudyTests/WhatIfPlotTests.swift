import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimPlot
@testable import MarsimStudy
import MarsimTestSupport
import Testing

/// The what-if plots read against the rows' reports: the break-even plot puts each configuration ×
/// spiking site where its firing rate and its cost relative to dense say, with y = 1 and each T's
/// median site break-even rate as lines; energy-vs-fidelity has error bars only for a profile with ranges.
@Suite("What-if plots") struct WhatIfPlotTests {
    static let checkpoint = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("checkpoints/tiny-llamba-bytes")
    static let profileNames = ["horowitz-45nm-memory", "jouppi-7nm-memory"]

    /// A small study (16 tokens, T = 1, 4, placements mixer and all, one thread) written to `out`.
    static func study(out: String) throws -> WhatIfOutput {
        let root = checkpoint.deletingLastPathComponent().deletingLastPathComponent()
        let profiles = try profileNames.map { try HardwareProfile.load(path: root.appendingPathComponent("hardware-profiles/\($0).toml").path) }
        let sweep = WhatIfSweep(
            textFile: checkpoint.appendingPathComponent("heldout.txt").path, limit: 16, timesteps: [1, 4], neurons: [ATMNModel.name],
            placementSpecs: ["mixer", "all"], scales: [1], tau: 1, reset: .subtract, spikeBits: GradedNeuron.defaultSpikeBits,
            calibrationText: nil, calibrationSkip: nil, calibrationLimit: 128, calibrationRule: .quantile, calibrationQuantile: 0.99,
            outputRule: OutputRuleSettings(), profiles: profiles, traceLevel: .counts, execution: { $0 }, threads: 1, out: out,
            shard: nil, checkpointDirectory: checkpoint.path, tokenizerFile: nil, loadCheckpoint: { try Checkpoint.load(checkpoint) },
            identity: { _, _, _, units in StudyIdentity(kind: "whatif", parameters: [:], units: units) })
        let output = try #require(try sweep.run()).output
        try output.write(printTables: false)
        return output
    }

    // MARK: SVG reading

    static func svg(_ path: String) throws -> XMLDocument {
        try XMLDocument(xmlString: try String(contentsOfFile: path, encoding: .utf8), options: [])
    }

    /// Elements named `name` inside elements of class `cls` (any class when nil), in document order.
    static func nodes(_ doc: XMLDocument, _ name: String, in cls: String? = nil) throws -> [XMLElement] {
        let scope = cls.map { "//*[contains(concat(' ', @class, ' '), ' \($0) ')]" } ?? ""
        return try doc.nodes(forXPath: scope + "//*[local-name()='\(name)']").compactMap { $0 as? XMLElement }
    }

    static func number(_ e: XMLElement, _ name: String) -> Double {
        Double(e.attributes?.first { $0.name == name }?.stringValue ?? "") ?? .nan
    }

    /// The affine map pixel = a + b × value through the two most distant (value, pixel) pairs.
    static func fit(_ pairs: [(Double, Double)]) throws -> (Double) -> Double {
        let lo = try #require(pairs.min { $0.0 < $1.0 }), hi = try #require(pairs.max { $0.0 < $1.0 })
        #expect(hi.0 > lo.0)
        let b = (hi.1 - lo.1) / (hi.0 - lo.0), a = lo.1 - b * lo.0
        return { a + b * $0 }
    }

    // MARK: Tests

    @Test("median: the middle value, the mean of the middle two, nil for none")
    func median() {
        #expect([0.3, 0.1, 0.2].median == 0.2)
        #expect([0.4, 0.1, 0.3, 0.2].median == 0.25)
        #expect([Double]().median == nil)
    }

    @Test("break-even and energy-vs-fidelity plots match the rows' reports")
    func plotsMatchTheReports() throws {
        let dir = try TemporaryDirectory("whatif-plots")
        defer { dir.remove() }
        let output = try Self.study(out: dir.url.path)
        #expect(output.rows.count == 4)
        for file in Self.profileNames.flatMap({ ["energy-vs-fidelity-\($0).svg", "breakdown-\($0).svg", "break-even-\($0).svg"] }) {
            #expect(output.writtenFiles.contains(file) && FileManager.default.fileExists(atPath: dir.file(file).path), "\(file)")
        }
        for (p, profile) in Self.profileNames.enumerated() {
            try checkBreakEven(output, profileIndex: p, path: dir.file("break-even-\(profile).svg").path)
            try checkErrorBars(output, profileIndex: p, path: dir.file("energy-vs-fidelity-\(profile).svg").path)
        }
    }

    /// One circle per configuration × spiking site at (100 × firing rate, site J ÷ site dense J), series by T
    /// ascending; y = 1 and each T's median break-even rate where the same maps put them.
    func checkBreakEven(_ output: WhatIfOutput, profileIndex p: Int, path: String) throws {
        struct Expected { var t: Int; var x: Double; var y: Double; var breakEven: Double? }
        var expected: [Expected] = []
        for t in [1, 4] {
            for row in output.rows where row.configuration?.timesteps == t {
                let report = row.reports[p]
                let sites = report.breakdown.filter { $0.breakEven != nil }
                for unit in Set(sites.map(\.unit)).sorted(by: { a, b in
                    report.breakdown.firstIndex { $0.unit == a }! < report.breakdown.firstIndex { $0.unit == b }!
                }) {
                    let run = report.breakdown.filter { $0.unit == unit }.reduce(0) { $0 + $1.joulesPerToken }
                    let dense = report.denseBaselineBreakdown.filter { $0.unit == unit }.reduce(0) { $0 + $1.joulesPerToken }
                    let b = try #require(sites.first { $0.unit == unit }?.breakEven)
                    expected.append(Expected(t: t, x: b.firingRate * 100, y: run / dense, breakEven: b.dense))
                }
            }
        }
        // mixer: 2 sites per layer, all: 4 per layer; at both T.
        let layers = output.rows[0].reports[p].breakdown.compactMap(\.layer).max()! + 1
        #expect(expected.count == 2 * (2 + 4) * layers)
        let doc = try Self.svg(path)
        let circles = try Self.nodes(doc, "circle", in: "series")
        #expect(circles.count == expected.count)
        guard circles.count == expected.count else { return }
        let px = try Self.fit(zip(expected, circles).map { ($0.x, Self.number($1, "cx")) })
        let py = try Self.fit(zip(expected, circles).map { (log10($0.y), Self.number($1, "cy")) })
        for (e, c) in zip(expected, circles) {
            #expect(abs(Self.number(c, "cx") - px(e.x)) < 0.03 && abs(Self.number(c, "cy") - py(log10(e.y))) < 0.03)
        }
        let lines = try Self.nodes(doc, "line").filter { $0.attributes?.contains { $0.name == "class" && $0.stringValue == "reference-line" } ?? false }
        var series: [String] = [], names = ["dense cost = break-even"], medians: [Int: Double] = [:]
        #expect(abs(Self.number(lines[0], "y1") - py(0)) < 0.03 && Self.number(lines[0], "y1") == Self.number(lines[0], "y2"))
        var drawn = 1
        for t in [1, 4] {
            let rates = expected.filter { $0.t == t }.compactMap(\.breakEven).sorted()
            guard !rates.isEmpty else { series.append("T=\(t): spiking never pays"); continue }
            let median = rates.count % 2 == 1 ? rates[rates.count / 2] : (rates[rates.count / 2 - 1] + rates[rates.count / 2]) / 2
            medians[t] = median
            guard median <= 1 else { series.append("T=\(t): pays at any rate (median break-even \(ValueFormat.percent(median)))"); continue }
            series.append("T=\(t)")
            names.append("T=\(t): median site break-even \(ValueFormat.percent(median))")
            #expect(abs(Self.number(lines[drawn], "x1") - px(median * 100)) < 0.03)
            drawn += 1
        }
        #expect(lines.count == drawn)
        let legend = try Self.nodes(doc, "text", in: "legend").compactMap(\.stringValue)
        #expect(legend == series + names)
        // Under both profiles a site's cost is dominated by weight reads: a dense token reads each weight
        // once, a spiking one reads an event's fan-out column per event, T ticks per token; so a site breaks
        // even near rate 1/T (within 1%: the MAC, AC and neuron-update terms are small beside a DRAM read).
        let (m1, m4) = (try #require(medians[1]), try #require(medians[4]))
        #expect(abs(m4 - 0.25) < 0.01 && abs(m1 - 1) < 0.01)
    }

    /// An error bar per configuration and the dense marker, spanning [p5, p95] on the circles' y map,
    /// exactly when the profile has ranges (jouppi-7nm-memory has, horowitz-45nm-memory has not).
    func checkErrorBars(_ output: WhatIfOutput, profileIndex p: Int, path: String) throws {
        let doc = try Self.svg(path)
        let bars = try Self.nodes(doc, "line", in: "error-bar")
        let reports = output.rows.map { $0.reports[p] }
        let hasRanges = Self.profileNames[p] == "jouppi-7nm-memory"
        #expect(([output.dense.reports[p]] + reports).allSatisfy { ($0.joulesPerTokenInterval[0] < $0.joulesPerTokenInterval[1]) == hasRanges })
        guard hasRanges else { #expect(bars.isEmpty); return }
        // Three lines per bar; series in first-appearance order of placement (mixer, all), then dense.
        let ordered = ["mixer", "all"].flatMap { pl in output.rows.filter { $0.configuration?.placement == pl }.map { $0.reports[p] } }
                      + [output.dense.reports[p]]
        #expect(bars.count == 3 * ordered.count)
        let circles = try Self.nodes(doc, "circle", in: "series")
        let py = try Self.fit(zip(ordered, circles).map { (log10($0.joulesPerToken), Self.number($1, "cy")) })
        for (i, r) in ordered.enumerated() {
            let stem = bars[3 * i]
            #expect(abs(Self.number(stem, "y1") - py(log10(r.joulesPerTokenInterval[1]))) < 0.03)
            #expect(abs(Self.number(stem, "y2") - py(log10(r.joulesPerTokenInterval[0]))) < 0.03)
            if i < circles.count { #expect(abs(Self.number(stem, "x1") - Self.number(circles[i], "cx")) < 0.01) }
        }
    }
}
