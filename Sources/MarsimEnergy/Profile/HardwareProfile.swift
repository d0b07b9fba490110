/// A hardware profile: what each counted event costs on some (real or idealised) hardware.
///
/// Profiles are TOML files (see docs/PROFILES.md and `HardwareProfile.load(path:)`); every number in
/// them carries its unit and its source. The energy model (`EnergyModel`) multiplies
/// architecture-level counts (`ActivityCounts`) by these costs, so one simulation can be re-costed
/// under any number of profiles.
public struct HardwareProfile: Sendable, Equatable, Codable {
    /// The profile-file format this build reads.
    public static let supportedSchemaVersion = 1

    public var schemaVersion: Int
    /// Short identifier, e.g. `horowitz-45nm-memory`.
    public var name: String
    public var kind: ProfileKind
    /// Process node / technology the numbers refer to, e.g. `45 nm CMOS, 0.9 V`.
    public var process: String
    /// Free text: what the profile models, what it leaves out.
    public var notes: String
    /// The file the profile was read from, if any.
    public var file: String?

    public var precision: Precision
    public var compute: OperationEnergies
    public var memory: MemoryModel
    public var timing: Timing
    /// Static (leakage + always-on) power of the whole system, in watts; charged over each token's latency.
    public var staticPower: ProfileEntry
    /// Cores, chips, hop energies and static power per chip (`[chip]`); nil for profiles that map
    /// nothing (every profile before the chip mapping, and the non-neuromorphic ones).
    public var chip: ChipSpec?

    public init(schemaVersion: Int = HardwareProfile.supportedSchemaVersion, name: String, kind: ProfileKind,
                process: String, notes: String, file: String? = nil, precision: Precision,
                compute: OperationEnergies, memory: MemoryModel, timing: Timing, staticPower: ProfileEntry,
                chip: ChipSpec? = nil) {
        self.schemaVersion = schemaVersion
        self.name = name
        self.kind = kind
        self.process = process
        self.notes = notes
        self.file = file
        self.precision = precision
        self.compute = compute
        self.memory = memory
        self.timing = timing
        self.staticPower = staticPower
        self.chip = chip
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", name, kind, process, notes, file, precision, compute, memory, timing
        case staticPower = "static_power", chip
    }

    /// Every entry of the profile with its dotted TOML key, in file-schema order.
    public var entries: [(key: String, entry: ProfileEntry)] {
        var all: [(String, ProfileEntry)] = CostKind.precisionKeys.compactMap { key in precision[key].map { ("precision.\(key)", $0) } }
        all += CostKind.computeKeys.compactMap { key, _ in compute[key].map { ("compute.\(key)", $0) } }
        for name in memory.levels.keys.sorted() {
            let level = memory.levels[name]!
            all += [("memory.levels.\(name).read", level.read), ("memory.levels.\(name).write", level.write),
                    ("memory.levels.\(name).width", level.width)]
            if let capacity = level.capacity { all.append(("memory.levels.\(name).capacity", capacity)) }
        }
        all += [("timing.tick_period", timing.tickPeriod), ("timing.dense_mac_time", timing.denseMACTime),
                ("power.static", staticPower)]
        all += (chip?.entries ?? []).map { ("chip.\($0.key)", $0.entry) }
        return all
    }

    /// Keys of the entries marked `assumption = true` (placements included), for reports.
    public var assumptions: [String] {
        var keys = entries.filter { $0.entry.isAssumption }.map(\.key)
        for (key, placement) in memory.placementsByKey where placement.isAssumption {
            keys.append("memory.placement.\(key)")
        }
        return keys
    }
}

/// What a profile models, written in its `kind` header.
public enum ProfileKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// Arithmetic only (the MAR paper's op-count convention).
    case computeOnly = "compute-only"
    /// Arithmetic plus memory traffic (weights, neuron state, recurrent state).
    case memoryAware = "memory-aware"
    /// Per-event figures of a neuromorphic chip (synaptic op, neuron update), plus static power.
    case neuromorphic = "neuromorphic"
}

/// Bit widths of stored values, by `[precision]` key (`weight_bits`, `state_bits`,
/// `recurrent_state_bits`: the keys `CostKind.precisionKeys` derives from the memory cost kinds);
/// they turn per-access memory energies into per-element costs.
public struct Precision: Sendable, Equatable, Codable {
    public var bits: [String: ProfileEntry]

    public init(bits: [String: ProfileEntry]) { self.bits = bits }

    public subscript(key: String) -> ProfileEntry? { bits[key] }

    public init(from decoder: Decoder) throws { bits = try [String: ProfileEntry](from: decoder) }
    public func encode(to encoder: Encoder) throws { try bits.encode(to: encoder) }
}

/// Energy per arithmetic event in joules, by `[compute]` key (`mac`, `ac`, `neuron_update`, `spike`,
/// `spike_bit`, `add`, `mul`, `nonlinear`: the keys `CostKind.computeKeys` derives from the cost
/// kinds; what each is charged per is in `CostKind.declaration`).
public struct OperationEnergies: Sendable, Equatable, Codable {
    public var entries: [String: ProfileEntry]

    public init(entries: [String: ProfileEntry]) { self.entries = entries }

    /// The entry for `key`, or nil when the profile has none (only optional keys may be absent).
    public subscript(key: String) -> ProfileEntry? { entries[key] }

    public init(from decoder: Decoder) throws { entries = try [String: ProfileEntry](from: decoder) }
    public func encode(to encoder: Encoder) throws { try entries.encode(to: encoder) }
}

/// One level of the memory hierarchy: energy per access of a given width.
public struct MemoryLevel: Sendable, Equatable, Codable {
    /// Energy per read access of `width` bits, in joules.
    public var read: ProfileEntry
    /// Energy per write access of `width` bits, in joules.
    public var write: ProfileEntry
    /// Bits moved per access (64 in Horowitz's table); must be positive.
    public var width: ProfileEntry
    /// How many bits the level holds, for weight placement (`WeightPlacement`); nil: unbounded.
    public var capacity: ProfileEntry?

    public init(read: ProfileEntry, write: ProfileEntry, width: ProfileEntry, capacity: ProfileEntry? = nil) {
        self.read = read
        self.write = write
        self.width = width
        self.capacity = capacity
    }
}

/// Memory levels and which level holds each class of data.
public struct MemoryModel: Sendable, Equatable, Codable {
    /// Levels by name, e.g. `sram_8kb`, `dram`.
    public var levels: [String: MemoryLevel]
    /// Where each class of data lives, by `[memory.placement]` key (`weights`, `neuron_state`,
    /// `recurrent_state`: `CostKind.memoryPlacementKeys`).
    public var placements: [String: MemoryPlacement]

    public init(levels: [String: MemoryLevel], placements: [String: MemoryPlacement]) {
        self.levels = levels
        self.placements = placements
    }

    enum CodingKeys: String, CodingKey {
        case levels, placements = "placement"
    }

    /// The placements with their TOML keys, in the cost kinds' declaration order.
    public var placementsByKey: [(String, MemoryPlacement)] {
        CostKind.memoryPlacementKeys.compactMap { key in placements[key].map { (key, $0) } }
    }
}

/// How long things take: the basis of latency and static energy.
public struct Timing: Sendable, Equatable, Codable {
    /// Duration of one spiking tick, in seconds.
    public var tickPeriod: ProfileEntry
    /// Effective time per dense MAC (1 ÷ sustained MAC throughput), in seconds.
    public var denseMACTime: ProfileEntry

    public init(tickPeriod: ProfileEntry, denseMACTime: ProfileEntry) {
        self.tickPeriod = tickPeriod
        self.denseMACTime = denseMACTime
    }

    enum CodingKeys: String, CodingKey {
        case tickPeriod = "tick_period", denseMACTime = "dense_mac_time"
    }
}
