import MarsimCore

/// How often a weight is fetched from the memory level it lives in (`memory.placement.weights.reuse`).
public enum WeightReuse: String, Sendable, Codable, CaseIterable {
    /// Every event fetches its weight column and every dense pass its matrix, every token: the counts
    /// as recorded (the default, and every profile's behaviour before `reuse` existed).
    case event
    /// A weight is fetched at most once per token, whatever the T ticks do with it (the core keeps
    /// what it fetched for the token): a spiking site's reads per token are capped at its dense
    /// reads (matrix once + bias), `min(weights_read, dense weights_read)`. Per-neuron firing is not
    /// in the counts, so this is the cap the counts allow: at least the true once-per-token reads.
    case token
    /// A weight is fetched once per chunk of tokens run together (prefill): every token's reads are
    /// its chunk-shared reads as the trace records them (`EnergyInputs.sharedWeightReads`; tokens run
    /// alone read as counted), and the dense baseline's reads, embedding aside, are divided by the
    /// mean chunk length (as `PhaseEnergy`'s prefill). Traces without shared reads cost as `event`.
    case chunk
}

/// What one memory level holds of the model's weights.
public struct WeightLevelFill: Sendable, Equatable, Codable {
    public var level: String
    /// The level's `capacity` in bytes; nil: unbounded.
    public var capacityBytes: Double?
    /// Bytes of weights placed there (the embedding table is not sized from the counts: 0 for it).
    public var bytes: Double
    /// The units whose weights it holds, in unit order.
    public var units: [String]

    enum CodingKeys: String, CodingKey { case level, capacityBytes = "capacity_bytes", bytes, units }
}

/// Weights placed on memory levels with capacities (issue 14 item 3), and the reuse applied.
///
/// **Rule.** The order of levels is `memory.placement.weights.level` then its `spill` list. Each
/// unit's weights, sized `dense weights_read × weight_bits` (the dense pass reads every weight once:
/// the matrix and its bias), go in unit order to the first level of the order whose remaining
/// `capacity` holds them whole; a level without `capacity` holds anything. The embedding table is
/// not sized by the counts (a token reads one row), so it goes to the last level of the order. A
/// unit that fits nowhere is an error. Every weight read of a unit is priced at its level:
/// `read(L_u) × weight_bits ÷ width(L_u)`. A profile without `spill` and without a `capacity` on its
/// weights level has no placement (nil) and costs exactly as before.
public struct WeightPlacementReport: Sendable, Equatable, Codable {
    /// The reuse applied (`event` when the profile says `chunk` but the trace has no shared reads).
    public var reuse: WeightReuse
    /// Level by level, in the order, what it holds; nil when the profile has no capacities or spill.
    public var levels: [WeightLevelFill]?
}

/// A profile's weight placement resolved against a run's units: the level and price of each unit.
struct WeightPlacement {
    /// Per unit: the level its weights live in, and prices with weights read from that level.
    let levelOfUnit: [String]
    let unitPrices: [CostTable]
    let fills: [WeightLevelFill]
    /// The first level of the order (the placement's `level`).
    let primary: String

    /// nil when the profile's weights have no `spill` and their level no `capacity`.
    init?(profile: HardwareProfile, units: [AccountingUnit], denseBaseline: [ActivityCounts]) throws {
        guard let placement = profile.memory.placements["weights"] else { return nil }
        let order = [placement.level] + (placement.spill ?? [])
        guard order.count > 1 || profile.memory.levels[placement.level]?.capacity != nil else { return nil }
        let bitsPerWeight = profile.precision["weight_bits"]?.baseValue ?? 0
        var remaining = order.map { profile.memory.levels[$0]?.capacity?.baseValue }
        var fills = order.map { level in
            WeightLevelFill(level: level, capacityBytes: profile.memory.levels[level]?.capacity.map { $0.baseValue / 8 },
                            bytes: 0, units: [])
        }
        var levelOfUnit: [String] = []
        for (u, unit) in units.enumerated() {
            let bits = unit.kind == .embedding ? 0 : Double(denseBaseline[u].weightsRead) * bitsPerWeight
            let slot = unit.kind == .embedding ? order.count - 1
                : remaining.firstIndex { $0 == nil || $0! >= bits }
            guard let slot else {
                throw EnergyError.weightsDoNotFit(unit: unit.name, bits: bits, profile: profile.name, levels: order)
            }
            if let left = remaining[slot] { remaining[slot] = left - bits }
            fills[slot].bytes += bits / 8
            fills[slot].units.append(unit.name)
            levelOfUnit.append(order[slot])
        }
        var tables: [String: CostTable] = [:]
        for level in order {
            var moved = profile
            moved.memory.placements["weights"]!.level = level
            tables[level] = CostTable(profile: moved)
        }
        self.levelOfUnit = levelOfUnit
        self.unitPrices = levelOfUnit.map { tables[$0]! }
        self.fills = fills
        self.primary = placement.level
    }

    /// J of the weight reads of one row of per-unit counts, each unit at its level's price.
    func joules(_ row: [ActivityCounts]) -> Double {
        row.indices.reduce(0) { $0 + CostKind.weights.joules(row[$1], unitPrices[$1]) }
    }

    /// The part of `row`'s weight reads that lives elsewhere than the first level, priced.
    func spilledJoules(_ row: [ActivityCounts]) -> Double {
        row.indices.filter { levelOfUnit[$0] != primary }.reduce(0) { $0 + CostKind.weights.joules(row[$1], unitPrices[$1]) }
    }

    /// The weight reads of `row` that live in the first level.
    func primaryReads(_ row: [ActivityCounts]) -> Int {
        row.indices.filter { levelOfUnit[$0] == primary }.reduce(0) { $0 + row[$1].weightsRead }
    }

    /// The levels used, joined for the by-kind table (`sram+dram`).
    var levelsUsed: String { fills.filter { !$0.units.isEmpty }.map(\.level).joined(separator: "+") }
}

/// The reuse rules as count transforms: what each token's `weights_read` becomes.
enum WeightReuseRule {
    /// `token`: a spiking site's reads per token capped at its dense reads; other units unchanged.
    static func perToken(_ counts: [[ActivityCounts]], denseBaseline: [ActivityCounts]) -> [[ActivityCounts]] {
        counts.map { row in
            row.enumerated().map { u, c in
                guard c.neuronUpdates > 0 else { return c }
                var capped = c
                capped.weightsRead = min(c.weightsRead, denseBaseline[u].weightsRead)
                return capped
            }
        }
    }

    /// `chunk`: the recorded shared reads, and the dense baseline's reads (embedding aside) ÷ the
    /// mean chunk length; nil when the inputs do not record chunks.
    static func perChunk(_ inputs: EnergyInputs) throws -> (counts: [[ActivityCounts]], denseBaseline: [ActivityCounts])? {
        guard let lengths = inputs.chunkLengths, let shared = inputs.sharedWeightReads,
              lengths.count == inputs.counts.count, shared.count == inputs.counts.count else { return nil }
        let all = try sharing(inputs, lengths: lengths, shared: shared, tokens: Array(inputs.counts.indices))
        return (all.counts, all.denseBaseline)
    }

    /// Tokens `tokens` of `inputs` with every weight fetch shared by their chunk: their counts with
    /// `weights_read` = the recorded shared reads, the mean chunk length over them, and the dense
    /// baseline with every weight but the embedding's read once per chunk (÷ that mean). Shared here
    /// by `chunk` reuse (all tokens) and `PhaseEnergy`'s prefill (the tokens of chunks of 2 or more).
    ///
    /// - Throws: `EnergyError` when a token's shared reads do not match the units, or the chunk
    ///   lengths (read from a trace) are below 1 or overflow when summed.
    static func sharing(_ inputs: EnergyInputs, lengths: [Int], shared: [[Int]], tokens: [Int]) throws
        -> (counts: [[ActivityCounts]], denseBaseline: [ActivityCounts], meanLength: Double) {
        for t in tokens where shared[t].count != inputs.units.count {
            throw EnergyError.tokenShapeMismatch(token: t, expected: inputs.units.count, actual: shared[t].count)
        }
        let counts = tokens.map { t in
            inputs.counts[t].enumerated().map { u, c in
                var c = c
                c.weightsRead = shared[t][u]
                return c
            }
        }
        let totalLength = try tokens.reduce(0) { sum, t in
            let (next, overflow) = sum.addingReportingOverflow(lengths[t])
            guard !overflow, lengths[t] >= 1 else { throw EnergyError.countOverflow(what: "chunk lengths") }
            return next
        }
        let meanLength = Double(totalLength) / Double(max(1, tokens.count))
        let dense = inputs.denseBaseline.enumerated().map { u, c in
            var c = c
            if inputs.units[u].kind != .embedding { c.weightsRead = Int((Double(c.weightsRead) / meanLength).rounded()) }
            return c
        }
        return (counts, dense, meanLength)
    }
}
