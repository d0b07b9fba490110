import MarsimReport
import Testing

@Suite struct TextFormatTests {
    /// Widths by hand: column 0 is max(1, 3) = 3 wide and left-aligned, column 1 max(2, 1) = 2 wide and right-aligned.
    @Test func tableAlignsColumns() {
        #expect(TextTable.render(header: ["a", "bb"], rows: [["ccc", "1"]]) == ["a    bb", "---  --", "ccc   1"])
    }

    /// SI prefixes at 3 significant digits; rates as percentages, "never" or "n/a" when absent.
    @Test func energyUnits() {
        #expect(EnergyTable.joules(3.21e-6) == "3.21 µJ")
        #expect(EnergyTable.joules(0) == "0 J")
        #expect(EnergyTable.joules(1.5) == "1.5 J")
        #expect(EnergyTable.seconds(2.5e-9) == "2.5 ns")
        #expect(EnergyTable.rate(0.05) == "5%")
        #expect(EnergyTable.rate(nil) == "n/a" && EnergyTable.rate(nil, never: true) == "never")
    }
}
