import MarsimCore

/// How one price, in joules per counted element, is derived from a hardware profile.
public enum PriceRule: Sendable, Hashable {
    /// The `[compute]` entry `key`, as given. An `optional` entry prices 0 when the profile has none.
    case compute(String, optional: Bool = false)
    /// One element of `precision.<bits>` bits read from (or written to) the memory level that
    /// `memory.placement.<placement>` names: `read(L) × bits ÷ width(L)` (or `write(L) × …`);
    /// elements are assumed packed into full-width accesses.
    case memory(placement: String, bits: String, write: Bool)

    /// A stable name for reports (`compute.ac`, `memory.weights.read`).
    public var id: String {
        switch self {
        case .compute(let key, _): return "compute.\(key)"
        case .memory(let placement, _, let write): return "memory.\(placement).\(write ? "write" : "read")"
        }
    }

    /// The derivation, as docs print it.
    public var formula: String {
        switch self {
        case .compute(let key, let optional): return "compute.\(key)" + (optional ? " (0 when absent)" : "")
        case .memory(let placement, let bits, let write):
            return "\(write ? "write" : "read")(L) × precision.\(bits) ÷ width(L), L = memory.placement.\(placement)"
        }
    }
}

/// One term of a cost kind's bill: a counter times a price.
public struct CostTerm: Sendable {
    public let counter: Counter
    public let price: PriceRule

    /// `counter` is a current name from `Counter.all` (checked when the table is built).
    init(_ counter: String, _ price: PriceRule) {
        // Current names only: a former name (`synaptic_ops`, `dense_macs`) would resolve, but the docs'
        // tables must print what traces and JSON now call the counter.
        guard let declared = Counter.named(counter), declared.name == counter else {
            preconditionFailure("cost term names unknown or former counter name \(counter)")
        }
        self.counter = declared
        self.price = price
    }
}

/// A cost kind declared once: what it charges, which counters, at which prices. Profiles (the keys
/// the loader reads), prices (`CostTable`), joules (`CostKind.joules`), report JSON/CSV keys and
/// the docs' tables are all derived from `CostKind.declaration`.
public struct CostKindDeclaration: Sendable {
    public let kind: CostKind
    /// What the kind stands for, one line.
    public let meaning: String
    /// joules = Σ counter × price over these terms (none for `static`, which depends on latency).
    public let terms: [CostTerm]

    /// The memory placement a memory kind is charged at, or nil for other kinds.
    public var memoryPlacement: String? {
        for term in terms { if case .memory(let placement, _, _) = term.price { return placement } }
        return nil
    }
}

extension CostKind {
    /// The declaration of this kind: adding a kind is a case of `CostKind` plus its entry here
    /// (and the profile values its prices read).
    public var declaration: CostKindDeclaration {
        func d(_ meaning: String, _ terms: [CostTerm]) -> CostKindDeclaration {
            CostKindDeclaration(kind: self, meaning: meaning, terms: terms)
        }
        switch self {
        case .ac: return d("accumulates (ACs) of the spiking sites", [CostTerm("acs", .compute("ac"))])
        case .mac: return d("dense multiply-accumulates", [CostTerm("macs", .compute("mac"))])
        case .neuronUpdate: return d("membrane steps", [CostTerm("neuron_updates", .compute("neuron_update"))])
        case .spike:
            return d("emitted events and their payload bits", [
                CostTerm("spikes_positive", .compute("spike")), CostTerm("spikes_negative", .compute("spike")),
                CostTerm("spike_payload_bits", .compute("spike_bit", optional: true)),
            ])
        case .elementwiseAdd: return d("element-wise additions", [CostTerm("elementwise_adds", .compute("add"))])
        case .elementwiseMul: return d("element-wise multiplications", [CostTerm("elementwise_muls", .compute("mul"))])
        case .elementwiseNonlinear: return d("element-wise non-linear functions", [CostTerm("elementwise_nonlinear", .compute("nonlinear"))])
        case .weights:
            return d("weight fetches", [CostTerm("weights_read", .memory(placement: "weights", bits: "weight_bits", write: false))])
        case .neuronState:
            return d("membrane reads and writes", [
                CostTerm("neuron_state_read", .memory(placement: "neuron_state", bits: "state_bits", write: false)),
                CostTerm("neuron_state_written", .memory(placement: "neuron_state", bits: "state_bits", write: true)),
            ])
        case .recurrentState:
            return d("conv window and SSM state reads and writes", [
                CostTerm("recurrent_state_read", .memory(placement: "recurrent_state", bits: "recurrent_state_bits", write: false)),
                CostTerm("recurrent_state_written", .memory(placement: "recurrent_state", bits: "recurrent_state_bits", write: true)),
            ])
        case .staticPower: return d("static power × latency (power.static; see EnergyModel)", [])
        }
    }

    /// Every distinct price the kinds use, in declaration order.
    public static let priceRules: [PriceRule] = {
        var seen = Set<PriceRule>(), rules: [PriceRule] = []
        for kind in allCases { for term in kind.declaration.terms where seen.insert(term.price).inserted { rules.append(term.price) } }
        return rules
    }()

    /// The `[compute]` keys profiles have (optional ones may be absent), in declaration order.
    public static let computeKeys: [(key: String, optional: Bool)] = priceRules.compactMap {
        if case .compute(let key, let optional) = $0 { return (key, optional) } else { return nil }
    }

    /// The `[memory.placement]` keys profiles have, in declaration order.
    public static let memoryPlacementKeys: [String] = unique(priceRules.compactMap {
        if case .memory(let placement, _, _) = $0 { return placement } else { return nil }
    })

    /// The `[precision]` keys profiles have (bits per element of each memory placement), in declaration order.
    public static let precisionKeys: [String] = unique(priceRules.compactMap {
        if case .memory(_, let bits, _) = $0 { return bits } else { return nil }
    })

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    /// The kinds as a Markdown table (kind, counters × prices, meaning): what docs/PROFILES.md shows.
    public static var markdownTable: String {
        var lines = ["| cost kind | joules | meaning |", "|---|---|---|"]
        for kind in allCases {
            let d = kind.declaration
            let formula = d.terms.isEmpty ? "`power.static × latency`"
                : d.terms.map { "`\($0.counter.name)` × `\($0.price.id)`" }.joined(separator: " + ")
            lines.append("| `\(kind.rawValue)` | \(formula) | \(d.meaning) |")
        }
        return lines.joined(separator: "\n")
    }
}
