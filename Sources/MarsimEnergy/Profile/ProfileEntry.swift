/// One number of a hardware profile, with where it comes from.
///
/// Written in TOML as `{ value = "0.9 pJ", source = "Horowitz ISSCC 2014, 45 nm fp32 add" }`, with an
/// optional `assumption = true` when the number is a modelling choice rather than a published figure.
public struct ProfileEntry: Sendable, Equatable, Codable {
    /// The value, parsed with its unit.
    public var quantity: Quantity
    /// A citation, or the reasoning behind an assumed value. Never empty.
    public var source: String
    /// True when the value is an assumption, not a published measurement or table entry.
    public var isAssumption: Bool
    /// The plausible range of the value, `range = ["0.6 pJ", "1.2 pJ"]` in TOML (low ≤ value ≤ high,
    /// same dimension), or nil for a value taken as exact. `EnergyUncertainty` samples it.
    public var range: QuantityRange?

    public init(quantity: Quantity, source: String, isAssumption: Bool = false, range: QuantityRange? = nil) {
        self.quantity = quantity
        self.source = source
        self.isAssumption = isAssumption
        self.range = range
    }

    /// The value in the SI base unit of its dimension (J, W, s or bit).
    public var baseValue: Double { quantity.baseValue }

    enum CodingKeys: String, CodingKey {
        case quantity = "value", source, isAssumption = "assumption", range
    }

    /// Writes `range` only when the entry has one, so profiles without ranges encode as before.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(quantity.text, forKey: .quantity)
        try c.encode(source, forKey: .source)
        try c.encode(isAssumption, forKey: .isAssumption)
        if let range { try c.encode([range.low.text, range.high.text], forKey: .range) }
    }

    /// Decodes the JSON form written by `encode(to:)`; the unit's dimension is inferred from the text.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .quantity)
        source = try c.decode(String.self, forKey: .source)
        isAssumption = try c.decodeIfPresent(Bool.self, forKey: .isAssumption) ?? false
        for dimension in QuantityDimension.allCases {
            if let q = try? Quantity.parse(text, as: dimension) {
                quantity = q
                range = nil
                if let bounds = try c.decodeIfPresent([String].self, forKey: .range) {
                    guard bounds.count == 2, let low = try? Quantity.parse(bounds[0], as: dimension),
                          let high = try? Quantity.parse(bounds[1], as: dimension), low.baseValue <= high.baseValue else {
                        throw DecodingError.dataCorruptedError(forKey: .range, in: c, debugDescription:
                            "range must be two \(dimension.rawValue) quantities, low ≤ high")
                    }
                    range = QuantityRange(low: low, high: high)
                }
                return
            }
        }
        throw DecodingError.dataCorruptedError(forKey: .quantity, in: c,
                                               debugDescription: "'\(text)' is not a quantity with a known unit")
    }
}

/// The interval a profile value may lie in, as written (`range = ["0.6 pJ", "1.2 pJ"]`); the loader
/// checks `low ≤ value ≤ high` and that both bounds have the value's dimension.
public struct QuantityRange: Sendable, Equatable, Hashable {
    public var low: Quantity
    public var high: Quantity

    public init(low: Quantity, high: Quantity) {
        self.low = low
        self.high = high
    }
}

/// Where one class of data lives: the name of a memory level, with the reason for the choice.
public struct MemoryPlacement: Sendable, Equatable, Codable {
    /// A key of `MemoryModel.levels`.
    public var level: String
    public var source: String
    public var isAssumption: Bool
    /// Weights only: the levels weights that do not fit in `level` (its `capacity`) go to, in order;
    /// nil: none (`WeightPlacement`).
    public var spill: [String]?
    /// Weights only: how often a weight is fetched; nil means `event` (`WeightReuse`).
    public var reuse: WeightReuse?

    public init(level: String, source: String, isAssumption: Bool = false, spill: [String]? = nil, reuse: WeightReuse? = nil) {
        self.level = level
        self.source = source
        self.isAssumption = isAssumption
        self.spill = spill
        self.reuse = reuse
    }

    enum CodingKeys: String, CodingKey {
        case level, source, isAssumption = "assumption", spill, reuse
    }
}
