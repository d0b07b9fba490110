import Foundation
import MarsimCore
import MarsimEnergy
import MarsimPlot

/// The break-even plot of one profile (`break-even-PROFILE.svg`): every spiking site of every
/// configuration against the firing rate at which spiking stops paying.
///
/// **Points**: one per configuration × spiking site (a unit whose breakdown entries carry a
/// `SiteBreakEven`), coloured by T.
/// - x = the site's measured firing rate, events ÷ neuron updates (`SiteBreakEven.firingRate`), in percent;
/// - y = the site's energy per token in the run (the sum of its `breakdown` entries) ÷ the same
///   site's energy per token run dense (the sum of its `denseBaselineBreakdown` entries), log axis.
///   Both are dynamic energy only: static power belongs to no site. Below 1 the site saves energy.
///
/// **Lines**: y = 1, where a site costs what it costs dense; and per T, a vertical line at the median,
/// over that T's points, of the sites' dense break-even rates (`SiteBreakEven.dense`: the rate at which
/// the site's affine cost meets its dense cost). Sites where spiking never pays (nil) are left out of
/// the median, and a median above 100%, a rate no binary neuron reaches, is not drawn. A site right of
/// its own break-even rate sits above y = 1; the median line says where a typical site at that T turns.
struct BreakEvenPlot {
    /// One spiking site of one configuration.
    struct SitePoint: Equatable {
        var timesteps: Int
        var unit: String
        /// Events ÷ neuron updates at the site.
        var firingRate: Double
        /// The site's run J/token ÷ its dense J/token.
        var relativeCost: Double
        /// The site's dense break-even rate; nil where spiking never pays.
        var breakEven: Double?
    }

    var points: [SitePoint]

    /// The points of `rows` (the configurations, dense reference excluded) under profile `p`, in row
    /// order and, within a row, in unit order.
    init(rows: [WhatIfRow], profileIndex p: Int) {
        points = rows.flatMap { row -> [SitePoint] in
            guard let c = row.configuration else { return [] }
            let report = row.reports[p]
            var run: [String: Double] = [:], dense: [String: Double] = [:]
            for entry in report.breakdown { run[entry.unit, default: 0] += entry.joulesPerToken }
            for entry in report.denseBaselineBreakdown { dense[entry.unit, default: 0] += entry.joulesPerToken }
            return report.siteBreakEvens.map { site in
                SitePoint(timesteps: c.timesteps, unit: site.unit, firingRate: site.breakEven.firingRate,
                          relativeCost: run[site.unit, default: 0] / dense[site.unit, default: 0], breakEven: site.breakEven.dense)
            }
        }
    }

    /// The T's of the points, ascending.
    var timesteps: [Int] { Array(Set(points.map(\.timesteps))).sorted() }

    /// Per T, the median dense break-even rate of its sites that have one; nil when none has.
    func medianBreakEven(timesteps t: Int) -> Double? {
        points.filter { $0.timesteps == t }.compactMap(\.breakEven).median
    }

    /// What the plot shows, for its caption (lines break at " · ").
    static let explanation = "Each point: a spiking site of one configuration; y = its J/token ÷ its J/token run dense "
        + "(static power excluded); below 1 it saves energy · dashed verticals: per T, the median of the sites' break-even "
        + "firing rates (where a site's cost meets its dense cost; sites that never pay left out)"

    /// The legend name of T's series; it says why a T has no median line: no site ever pays, or the
    /// median is above 100%, so a typical site pays at any rate its neurons can fire at.
    func seriesName(timesteps t: Int) -> String {
        guard let m = medianBreakEven(timesteps: t) else { return "T=\(t): spiking never pays" }
        return m > 1 ? "T=\(t): pays at any rate (median break-even \(ValueFormat.percent(m)))" : "T=\(t)"
    }

    func chart(profile: String, caption: String?) -> ScatterChart {
        let ts = timesteps
        let color = { (t: Int) in Palette.color(ts.firstIndex(of: t)!) }
        let series = ts.map { t in
            ScatterChart.Series(name: seriesName(timesteps: t),
                                points: points.filter { $0.timesteps == t }.map { .init(x: $0.firingRate * 100, y: $0.relativeCost) },
                                color: color(t))
        }
        var lines = [ScatterChart.ReferenceLine(name: "dense cost = break-even", axis: .y, value: 1)]
        for t in ts {
            guard let m = medianBreakEven(timesteps: t), m <= 1 else { continue }
            lines.append(.init(name: "T=\(t): median site break-even \(ValueFormat.percent(m))", axis: .x, value: m * 100, color: color(t)))
        }
        return ScatterChart(
            title: "Site cost vs firing rate — \(profile)",
            xLabel: "site firing rate, % (events ÷ neuron updates)", yLabel: "cost relative to dense (site J/token ÷ dense)",
            xScale: .linear, yScale: .log, series: series, referenceLines: lines, width: 760, height: 480,
            breakOutliers: false, caption: [Self.explanation, caption].compactMap { $0 }.joined(separator: " · "))
    }
}
