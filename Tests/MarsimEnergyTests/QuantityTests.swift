import Testing
@testable import MarsimEnergy

@Suite("Quantity")
struct QuantityTests {
    @Test("units convert to SI base units exactly as the decimal literal would",
          arguments: [
            ("4.6 pJ", QuantityDimension.energy, 4.6e-12), ("0.9 pJ", .energy, 0.9e-12), ("0.23 pJ", .energy, 0.23e-12),
            ("1.3 nJ", .energy, 1.3e-9), ("27.1 pJ", .energy, 27.1e-12), ("250 fJ", .energy, 250e-15),
            ("2 uJ", .energy, 2e-6), ("2 µJ", .energy, 2e-6), ("3 mJ", .energy, 3e-3), ("1 J", .energy, 1),
            ("1.5e3 pJ", .energy, 1.5e-9), ("15 mW", .power, 15e-3), ("7 uW", .power, 7e-6), ("2 W", .power, 2),
            ("1 us", .time, 1e-6), ("1 µs", .time, 1e-6), ("3 ns", .time, 3e-9), ("1 ms", .time, 1e-3), ("2 s", .time, 2),
            ("8 bit", .size, 8), ("64 bits", .size, 64), ("8 byte", .size, 64), ("4.6pJ", .energy, 4.6e-12),
          ] as [(String, QuantityDimension, Double)])
    func parses(text: String, dimension: QuantityDimension, expected: Double) throws {
        let q = try Quantity.parse(text, as: dimension)
        #expect(q.baseValue == expected)
        #expect(q.dimension == dimension)
    }

    @Test("malformed quantities are rejected with the reason",
          arguments: [
            ("0.9", QuantityParseFailure.missingUnit(number: "0.9")),
            ("0.9 pj", .unknownUnit(unit: "pj")),
            ("0.9 kJ", .unknownUnit(unit: "kJ")),
            ("-1 pJ", .negative),
            ("", .empty),
            ("pJ", .notANumber(text: "pJ")),
            ("1.2.3 pJ", .notANumber(text: "1.2.3 pJ")),
            ("1 mW", .wrongDimension(unit: "mW", found: .power)),
          ] as [(String, QuantityParseFailure)])
    func rejects(text: String, failure: QuantityParseFailure) {
        #expect(throws: failure) { try Quantity.parse(text, as: .energy) }
    }
}
