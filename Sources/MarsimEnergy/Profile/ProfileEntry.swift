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

    public init(quantity: Quantity, source: String, isAssumption: Bool = false) {
        self.quantity = quantity
        self.source = source
        self.isAssumption = isAssumption
    }

    /// The value in the SI base unit of its dimension (J, W, s or bit).
    public var baseValue: Double { quantity.baseValue }

    enum CodingKeys: String, CodingKey {
        case quantity = "value", source, isAssumption = "assumption"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(quantity.text, forKey: .quantity)
        try c.encode(source, forKey: .source)
        try c.encode(isAssumption, forKey: .isAssumption)
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
                return
            }
        }
        throw DecodingError.dataCorruptedError(forKey: .quantity, in: c,
                                               debugDescription: "'\(text)' is not a quantity with a known unit")
    }
}

/// Where one class of data lives: the name of a memory level, with the reason for the choice.
public struct MemoryPlacement: Sendable, Equatable, Codable {
    /// A key of `MemoryModel.levels`.
    public var level: String
    public var source: String
    public var isAssumption: Bool

    public init(level: String, source: String, isAssumption: Bool = false) {
        self.level = level
        self.source = source
        self.isAssumption = isAssumption
    }

    enum CodingKeys: String, CodingKey {
        case level, source, isAssumption = "assumption"
    }
}
