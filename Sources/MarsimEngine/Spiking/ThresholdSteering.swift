import Foundation
import MarsimCheckpoint
import MarsimCore

/// Chooses thresholds that make every spiking site fire at about a given rate, from the dense
/// model's inputs to the sites on a few tokens.
///
/// Channel i of a site gets V_i = c · mean|I_i| (floored at 10⁻³ of the site's mean); with tau = 1 a
/// neuron fed I emits min(T, ⌊|I|/V⌋) spikes, so the site's predicted rate for c is
/// Σ min(T, ⌊|I|/V⌋) ÷ (samples · T); c is found by bisection. The spiking model's own inputs drift
/// from the dense ones, so benchmarks measure the rate reached (and may correct the target).
public struct ThresholdSteering: Sendable {
    public let sites: [AccountingUnit]
    public let timesteps: Int
    /// Per site: |inputs| (token-major) and the per-channel profile mean|I_i|.
    let magnitudes: [[Float]]
    let profiles: [[Float]]

    /// Steering for `sites` from their dense inputs recorded in `activations`.
    public init(activations: CalibrationActivations, shape: ModelShape, sites: [AccountingUnit], timesteps: Int) {
        self.sites = sites
        self.timesteps = timesteps
        var magnitudes: [[Float]] = [], profiles: [[Float]] = []
        for site in sites {
            let fanIn = shape.projectionSize(site.kind)!.fanIn
            let m = (activations.samples[site] ?? []).map { abs($0) }
            let n = max(1, m.count / fanIn)
            var profile = [Float](repeating: 0, count: fanIn)
            for t in 0..<n { for i in 0..<fanIn { profile[i] += m[t * fanIn + i] } }
            let siteMean = max(profile.reduce(0, +) / Float(n * fanIn), 1e-12)
            profile = profile.map { max($0 / Float(n), 1e-3 * siteMean) }
            magnitudes.append(m)
            profiles.append(profile)
        }
        self.magnitudes = magnitudes
        self.profiles = profiles
    }

    /// Predicted firing rate of site s with scale c.
    public func predictedRate(site s: Int, scale c: Float) -> Double {
        let m = magnitudes[s], profile = profiles[s], fanIn = profile.count
        guard !m.isEmpty else { return 0 }
        let T = Float(timesteps)
        var spikes: Double = 0
        m.withUnsafeBufferPointer { mb in
            profile.withUnsafeBufferPointer { pb in
                for t in 0..<(mb.count / fanIn) {
                    var row: Float = 0
                    for i in 0..<fanIn { row += min(T, (mb[t * fanIn + i] / (c * pb[i])).rounded(.down)) }
                    spikes += Double(row)
                }
            }
        }
        return Double(spikes) / Double(m.count * timesteps)
    }

    /// Per-site scales for a target rate.
    public func scales(rate: Double) -> [Float] {
        sites.indices.map { s in
            var lo: Float = 1e-4, hi: Float = 1e4
            for _ in 0..<48 {
                let mid = (lo * hi).squareRoot()
                if predictedRate(site: s, scale: mid) > rate { lo = mid } else { hi = mid }
            }
            return (lo * hi).squareRoot()
        }
    }

    /// The geometric mean of the per-site scales (reported).
    public func meanScale(rate: Double) -> Double {
        let s = scales(rate: rate)
        return exp(s.map { log(Double($0)) }.reduce(0, +) / Double(max(s.count, 1)))
    }

    /// Thresholds for which every site's predicted rate is `rate`.
    public func thresholds(rate: Double) -> ThresholdSet {
        let c = scales(rate: rate)
        var values: [AccountingUnit: [Float]] = [:]
        for (s, site) in sites.enumerated() { values[site] = profiles[s].map { $0 * c[s] } }
        return ThresholdSet(values: values, source: String(format: "steered to %.1f%% firing", 100 * rate))
    }

    /// Every threshold = profile × scale (e.g. the largest float: no spikes at all).
    public func thresholds(scale: Float) -> ThresholdSet {
        var values: [AccountingUnit: [Float]] = [:]
        for (s, site) in sites.enumerated() { values[site] = profiles[s].map { min($0 * scale, .greatestFiniteMagnitude) } }
        return ThresholdSet(values: values, source: "no events")
    }
}
