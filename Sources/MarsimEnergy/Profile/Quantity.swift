/// The physical dimension a profile value must have: which units are accepted for it.
public enum QuantityDimension: String, Sendable, Codable, CaseIterable {
    /// Joules: fJ, pJ, nJ, uJ (µJ), mJ, J.
    case energy
    /// Watts: uW (µW), mW, W.
    case power
    /// Seconds: ns, us (µs), ms, s.
    case time
    /// Bits: bit, byte (8 bit), KB (1,024 bytes, as chip datasheets count SRAM).
    case size
    /// Whole things counted on a chip: neurons, cores (`[chip]`); stored as a plain number.
    case count

    /// The accepted unit spellings and their power-of-ten exponent relative to the SI base unit
    /// (joule, watt, second, bit). `byte` is the one non-decimal unit and is handled separately.
    var decimalUnits: [String: Int] {
        switch self {
        case .energy: return ["fJ": -15, "pJ": -12, "nJ": -9, "uJ": -6, "µJ": -6, "μJ": -6, "mJ": -3, "J": 0]
        case .power: return ["uW": -6, "µW": -6, "μW": -6, "mW": -3, "W": 0]
        case .time: return ["ns": -9, "us": -6, "µs": -6, "μs": -6, "ms": -3, "s": 0]
        case .size: return ["bit": 0, "bits": 0]
        case .count: return ["neurons": 0, "neuron": 0, "cores": 0, "core": 0]
        }
    }

    /// The units a user may write, for error messages (ASCII spellings only).
    public var unitList: String {
        switch self {
        case .energy: return "fJ, pJ, nJ, uJ, mJ, J"
        case .power: return "uW, mW, W"
        case .time: return "ns, us, ms, s"
        case .size: return "bit, byte, KB"
        case .count: return "neurons, cores"
        }
    }

    /// The SI base unit values of this dimension are stored in.
    public var baseUnit: String {
        switch self {
        case .energy: return "J"
        case .power: return "W"
        case .time: return "s"
        case .size: return "bit"
        case .count: return "1"
        }
    }

    /// The dimension a unit spelling belongs to, if any.
    static func of(unit: String) -> QuantityDimension? {
        if unit == "byte" || unit == "bytes" || unit == "KB" { return .size }
        return allCases.first { $0.decimalUnits[unit] != nil }
    }
}

/// Why a quantity string could not be read; the loader turns this into a `ProfileError`.
enum QuantityParseFailure: Error, Equatable {
    case empty
    case missingUnit(number: String)
    case unknownUnit(unit: String)
    case wrongDimension(unit: String, found: QuantityDimension)
    case notANumber(text: String)
    case negative
}

/// A non-negative physical quantity written as text with its unit, e.g. `"0.9 pJ"`, `"64 bit"`.
///
/// Parsing is exact in the decimal sense: the number and the unit's power of ten are joined into
/// one decimal literal before conversion (`"4.6 pJ"` → `Double("4.6e-12")`), so the stored value is
/// the double nearest to the written quantity, identical to the Swift literal `4.6e-12`. This is what
/// lets a hand computation such as `4.6e-12 * macs` match the energy model bit for bit.
public struct Quantity: Sendable, Equatable, Hashable, Codable {
    /// The value in the dimension's SI base unit (J, W, s or bit).
    public var baseValue: Double
    public var dimension: QuantityDimension
    /// The text as written in the profile, e.g. `"0.9 pJ"`.
    public var text: String

    public init(baseValue: Double, dimension: QuantityDimension, text: String) {
        self.baseValue = baseValue
        self.dimension = dimension
        self.text = text
    }

    /// Parses `text` as a quantity of `dimension`.
    ///
    /// Grammar: optional whitespace, a decimal number (`12`, `0.9`, `.5`, `1.3e3`; no sign), optional
    /// whitespace, a unit of `dimension`, optional whitespace. A leading `-` is rejected as negative.
    static func parse(_ text: String, as dimension: QuantityDimension) throws(QuantityParseFailure) -> Quantity {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        if trimmed.hasPrefix("-") { throw .negative }
        let body = trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed

        // Split at the first character that cannot belong to a decimal number.
        var numberEnd = body.startIndex
        var previous: Character? = nil
        for index in body.indices {
            let c = body[index]
            let isNumberChar = c.isASCII && (c.isNumber || c == "." ||
                ((c == "e" || c == "E") && previous?.isNumber == true) ||
                ((c == "+" || c == "-") && (previous == "e" || previous == "E")))
            if !isNumberChar { break }
            numberEnd = body.index(after: index)
            previous = c
        }
        let number = String(body[..<numberEnd])
        let unit = body[numberEnd...].trimmingWhitespace()

        guard let (mantissa, exponent) = Self.splitDecimal(number) else {
            throw .notANumber(text: trimmed)
        }
        guard !unit.isEmpty else { throw .missingUnit(number: number) }
        guard let unitDimension = QuantityDimension.of(unit: unit) else { throw .unknownUnit(unit: unit) }
        guard unitDimension == dimension else { throw .wrongDimension(unit: unit, found: unitDimension) }

        var value: Double
        if unit == "byte" || unit == "bytes" {
            guard let v = Double("\(mantissa)e\(exponent)") else { throw .notANumber(text: trimmed) }
            value = v * 8
        } else if unit == "KB" {
            guard let v = Double("\(mantissa)e\(exponent)") else { throw .notANumber(text: trimmed) }
            value = v * 8192
        } else {
            let scale = dimension.decimalUnits[unit]!
            guard let v = Double("\(mantissa)e\(exponent + scale)") else { throw .notANumber(text: trimmed) }
            value = v
        }
        guard value.isFinite else { throw .notANumber(text: trimmed) }
        if value == 0 { value = 0 } // normalise -0
        return Quantity(baseValue: value, dimension: dimension, text: trimmed)
    }

    /// Splits `"1.3e-2"` into (`"1.3"`, -2); nil unless the whole string is an unsigned decimal.
    private static func splitDecimal(_ s: String) -> (String, Int)? {
        let parts = s.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "E", maxSplits: 1, omittingEmptySubsequences: false) }
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let mantissa = String(parts[0])
        let digits = mantissa.filter { $0 != "." }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              mantissa.filter({ $0 == "." }).count <= 1 else { return nil }
        var exponent = 0
        if parts.count == 2 {
            guard let e = Int(parts[1]), abs(e) < 400 else { return nil }
            exponent = e
        }
        return (mantissa, exponent)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
