import Foundation
import MarsimCore
import Testing
@testable import MarsimEnergy

@Suite("Uncertainty intervals")
struct UncertaintyTests {
    /// Triangular(0.6, 0.9, 1.2) by hand: F(x) = (x − 0.6)² ÷ (0.6 × 0.3) below the mode, so
    /// F⁻¹(0.125) = 0.6 + √(0.125 × 0.18) = 0.75 and F⁻¹(0.5) = 0.9 (symmetric).
    @Test("the triangular inverse CDF")
    func triangular() {
        #expect(isClose(EnergyUncertainty.triangular(low: 0.6, mode: 0.9, high: 1.2, u: 0.125), 0.75, relative: 1e-12))
        #expect(isClose(EnergyUncertainty.triangular(low: 0.6, mode: 0.9, high: 1.2, u: 0.5), 0.9, relative: 1e-12))
        #expect(isClose(EnergyUncertainty.triangular(low: 0.6, mode: 0.9, high: 1.2, u: 0.875), 1.05, relative: 1e-12))
        #expect(EnergyUncertainty.triangular(low: 2, mode: 2, high: 2, u: 0.3) == 2)
        #expect(EnergyUncertainty.triangular(low: 1, mode: 1, high: 3, u: 0) == 1)
    }

    @Test("type-7 quantiles")
    func quantiles() {
        #expect(isClose(EnergyUncertainty.quantile([5, 1, 4, 2, 3], 0.05), 1.2, relative: 1e-12))
        #expect(isClose(EnergyUncertainty.quantile([5, 1, 4, 2, 3], 0.95), 4.8, relative: 1e-12))
        #expect(EnergyUncertainty.quantile([7], 0.95) == 7)
    }

    /// `compute.ac` with range [0.6, 1.2] pJ around 0.9 pJ on TinyRun (36 ACs and 148 MACs per
    /// token): J/token = 36 × ac + 680.8 pJ, increasing in ac, so its 5% and 95% points are those of
    /// ac: 0.6 + √(0.05 × 0.6 × 0.3) = 0.69487 pJ and 1.2 − √(0.05 × 0.18) = 1.10513 pJ, i.e.
    /// 705.815 pJ and 720.585 pJ. 4,000 draws estimate a 5% point of ac to ±0.0033 pJ (one standard
    /// error, √(0.05 × 0.95 ÷ 4000) ÷ density 1.054 per pJ), ±0.12 pJ of J: checked to 1e-3.
    @Test("a ranged AC price gives the analytic interval")
    func rangedAC() throws {
        let ranged = "ac = { value = \"0.9 pJ\", source = \"Horowitz\", range = [\"0.6 pJ\", \"1.2 pJ\"] }"
        let profile = try computeOnlyProfile(acLine: ranged)
        #expect(profile.compute["ac"]!.range?.low.baseValue == 0.6e-12)
        let r = try EnergyModel.report(profile: profile, inputs: TinyRun.inputs)
        let q05 = 0.6 + (0.05 * 0.18).squareRoot(), q95 = 1.2 - (0.05 * 0.18).squareRoot()
        let low = (36 * q05 + 680.8) * 1e-12, high = (36 * q95 + 680.8) * 1e-12
        #expect(isClose(r.joulesPerTokenInterval[0], low, relative: 1e-3), "\(r.joulesPerTokenInterval)")
        #expect(isClose(r.joulesPerTokenInterval[1], high, relative: 1e-3), "\(r.joulesPerTokenInterval)")
        #expect(r.joulesPerTokenInterval[0] < r.joulesPerToken && r.joulesPerToken < r.joulesPerTokenInterval[1])
        // The ratio falls as ac rises (the dense baseline has no ACs): its ends swap.
        #expect(isClose(r.ratioInterval![0], 901.6e-12 / high, relative: 1e-3))
        #expect(isClose(r.ratioInterval![1], 901.6e-12 / low, relative: 1e-3))
        // Seeded: the same again, bit for bit.
        let again = try EnergyModel.report(profile: profile, inputs: TinyRun.inputs)
        #expect(again.joulesPerTokenInterval == r.joulesPerTokenInterval && again.ratioInterval == r.ratioInterval)
        // The range survives the JSON round trip.
        let json = try JSONSerialization.jsonObject(with: r.jsonData()) as! [String: Any]
        let ac = ((json["profile"] as! [String: Any])["compute"] as! [String: Any])["ac"] as! [String: Any]
        #expect(ac["range"] as! [String] == ["0.6 pJ", "1.2 pJ"])
        #expect(try JSONDecoder().decode(EnergyReport.self, from: r.jsonData()) == r)
    }

    @Test("without ranges the interval is the point value")
    func pointValue() throws {
        let r = try EnergyModel.report(profile: try computeOnlyProfile(), inputs: TinyRun.inputs)
        #expect(r.joulesPerTokenInterval == [r.joulesPerToken, r.joulesPerToken])
        #expect(r.ratioInterval == [r.ratio!, r.ratio!])
    }
}
