import Testing
@testable import MarsimPlot

@Suite("Scales and ticks")
struct ScaleTests {
    @Test("linear: nice bounds and 1-2-5 steps")
    func linear() {
        let s = Scale(.linear, covering: [0.02, 0.98], range: (0, 100))
        #expect(s.lower == 0 && s.upper == 1)
        #expect(s.ticks().compactMap(\.label) == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(s.map(0.5) == 50)

        let big = Scale(.linear, covering: [3, 87], range: (0, 1))
        #expect(big.ticks().compactMap(\.label) == ["0", "20", "40", "60", "80", "100"])
        #expect(Scale.niceStep(span: 1.039, count: 5) == 0.2)
        #expect(Scale.niceStep(span: 7, count: 5) == 1)
        #expect(Scale.niceStep(span: 40, count: 5) == 10)
    }

    @Test("linear: very small values get scientific labels; zero stays 0")
    func scientific() {
        let s = Scale(.linear, covering: [0, 1.3e-4], range: (0, 1))
        let labels = s.ticks().compactMap(\.label)
        #expect(labels.first == "0")
        #expect(labels.contains("1e-4") || labels.contains("1.0e-4"))
        #expect(Scale.linearLabel(1.5e-4, step: 5e-5, maxAbs: 2e-4) == "1.5e-4")
        #expect(Scale.linearLabel(1e-4, step: 1e-5, maxAbs: 2e-4) == "1e-4")
    }

    @Test("linear: a single value or no values still give a usable axis")
    func degenerate() {
        let one = Scale(.linear, covering: [5], range: (0, 1))
        #expect(one.lower < 5 && one.upper > 5)
        let none = Scale(.linear, covering: [], range: (0, 1))
        #expect(none.lower == 0 && none.upper == 1)
        let zeros = Scale(.linear, covering: [0, 0], range: (0, 1), includeZero: true)
        #expect(zeros.lower == 0 && zeros.upper > 0)
    }

    @Test("log: whole decades, labelled powers of ten, minor ticks, non-positive values ignored")
    func logarithmic() {
        let s = Scale(.log, covering: [2.9e-5, 4.8e-3, 0, -1], range: (0, 300))
        #expect(s.lower == 1e-5 && s.upper == 1e-2)
        let majors = s.ticks().filter(\.isMajor)
        #expect(majors.compactMap(\.label) == ["10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²"])
        #expect(s.ticks().filter { !$0.isMajor }.count == 3 * 8)
        #expect(abs(s.map(1e-4) - 100) < 1e-9)
        #expect(!s.canShow(0) && s.canShow(1e-9))
        #expect(Scale.powerOfTen(0) == "1" && Scale.powerOfTen(1) == "10" && Scale.powerOfTen(12) == "10¹²")

        let wide = Scale(.log, covering: [1e-15, 1], range: (0, 1))
        let allMajor = wide.ticks().allSatisfy(\.isMajor)
        #expect(allMajor, "no minor ticks over many decades")
        #expect(wide.ticks().compactMap(\.label).count < 16, "labels thinned over many decades")
    }

    @Test("value labels: compact and percent")
    func valueFormat() {
        #expect(ValueFormat.compact(0.697) == "0.697")
        #expect(ValueFormat.compact(1.29) == "1.29")
        #expect(ValueFormat.compact(6.97e-5) == "6.97e-5")
        #expect(ValueFormat.compact(123456) == "1.23e5")
        #expect(ValueFormat.compact(9.999e-5) == "1e-4")
        #expect(ValueFormat.compact(0) == "0")
        #expect(ValueFormat.percent(0.118) == "11.8%")
        #expect(ValueFormat.percent(0.09) == "9%")
    }
}
