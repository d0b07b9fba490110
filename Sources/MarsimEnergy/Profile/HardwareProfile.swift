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

    public init(schemaVersion: Int = HardwareProfile.supportedSchemaVersion, name: String, kind: ProfileKind,
                process: String, notes: String, file: String? = nil, precision: Precision,
                compute: OperationEnergies, memory: MemoryModel, timing: Timing, staticPower: ProfileEntry) {
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
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", name, kind, process, notes, file, precision, compute, memory, timing
        case staticPower = "static_power"
    }

    /// Every entry of the profile with its dotted TOML key, in file-schema order.
    public var entries: [(key: String, entry: ProfileEntry)] {
        var all: [(String, ProfileEntry)] = [
            ("precision.weight_bits", precision.weightBits),
            ("precision.state_bits", precision.stateBits),
            ("precision.recurrent_state_bits", precision.recurrentStateBits),
            ("compute.mac", compute.mac), ("compute.ac", compute.ac),
            ("compute.neuron_update", compute.neuronUpdate), ("compute.spike", compute.spike),
            ("compute.add", compute.add), ("compute.mul", compute.mul), ("compute.nonlinear", compute.nonlinear),
        ]
        if let spikeBit = compute.spikeBit { all.append(("compute.spike_bit", spikeBit)) }
        for name in memory.levels.keys.sorted() {
            let level = memory.levels[name]!
            all += [("memory.levels.\(name).read", level.read), ("memory.levels.\(name).write", level.write),
                    ("memory.levels.\(name).width", level.width)]
        }
        all += [("timing.tick_period", timing.tickPeriod), ("timing.dense_mac_time", timing.denseMACTime),
                ("power.static", staticPower)]
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

/// Bit widths of stored values; they turn per-access memory energies into per-element costs.
public struct Precision: Sendable, Equatable, Codable {
    /// Bits per weight element (32 for fp32, 8 for int8).
    public var weightBits: ProfileEntry
    /// Bits per neuron membrane value (ATMN state).
    public var stateBits: ProfileEntry
    /// Bits per recurrent-state element (conv window and SSM state).
    public var recurrentStateBits: ProfileEntry

    public init(weightBits: ProfileEntry, stateBits: ProfileEntry, recurrentStateBits: ProfileEntry) {
        self.weightBits = weightBits
        self.stateBits = stateBits
        self.recurrentStateBits = recurrentStateBits
    }

    enum CodingKeys: String, CodingKey {
        case weightBits = "weight_bits", stateBits = "state_bits", recurrentStateBits = "recurrent_state_bits"
    }
}

/// Energy per arithmetic event, in joules.
public struct OperationEnergies: Sendable, Equatable, Codable {
    /// Per multiply-accumulate (dense projections, conv, scan).
    public var mac: ProfileEntry
    /// Per accumulate (synaptic op: one spike × one fan-out weight).
    public var ac: ProfileEntry
    /// Per ATMN membrane step (one neuron, one tick), excluding state memory traffic.
    public var neuronUpdate: ProfileEntry
    /// Per emitted spike (routing / packet), either polarity.
    public var spike: ProfileEntry
    /// Per payload bit an event carries (graded spikes carry several; ternary ones their sign), on
    /// top of `spike`; optional (`compute.spike_bit`): a profile without it prices every spike flat.
    public var spikeBit: ProfileEntry?
    /// Per element-wise addition.
    public var add: ProfileEntry
    /// Per element-wise multiplication.
    public var mul: ProfileEntry
    /// Per element-wise non-linear evaluation (exp, log, softplus, silu, rsqrt, division).
    public var nonlinear: ProfileEntry

    public init(mac: ProfileEntry, ac: ProfileEntry, neuronUpdate: ProfileEntry, spike: ProfileEntry,
                add: ProfileEntry, mul: ProfileEntry, nonlinear: ProfileEntry, spikeBit: ProfileEntry? = nil) {
        self.spikeBit = spikeBit
        self.mac = mac
        self.ac = ac
        self.neuronUpdate = neuronUpdate
        self.spike = spike
        self.add = add
        self.mul = mul
        self.nonlinear = nonlinear
    }

    enum CodingKeys: String, CodingKey {
        case mac, ac, neuronUpdate = "neuron_update", spike, add, mul, nonlinear, spikeBit = "spike_bit"
    }
}

/// One level of the memory hierarchy: energy per access of a given width.
public struct MemoryLevel: Sendable, Equatable, Codable {
    /// Energy per read access of `width` bits, in joules.
    public var read: ProfileEntry
    /// Energy per write access of `width` bits, in joules.
    public var write: ProfileEntry
    /// Bits moved per access (64 in Horowitz's table); must be positive.
    public var width: ProfileEntry

    public init(read: ProfileEntry, write: ProfileEntry, width: ProfileEntry) {
        self.read = read
        self.write = write
        self.width = width
    }
}

/// Memory levels and which level holds each class of data.
public struct MemoryModel: Sendable, Equatable, Codable {
    /// Levels by name, e.g. `sram_8kb`, `dram`.
    public var levels: [String: MemoryLevel]
    /// Where the weights live.
    public var weights: MemoryPlacement
    /// Where neuron membranes live.
    public var neuronState: MemoryPlacement
    /// Where the conv windows and SSM states live.
    public var recurrentState: MemoryPlacement

    public init(levels: [String: MemoryLevel], weights: MemoryPlacement, neuronState: MemoryPlacement,
                recurrentState: MemoryPlacement) {
        self.levels = levels
        self.weights = weights
        self.neuronState = neuronState
        self.recurrentState = recurrentState
    }

    enum CodingKeys: String, CodingKey {
        case levels, weights, neuronState = "neuron_state", recurrentState = "recurrent_state"
    }

    /// The placements with their TOML keys, in schema order.
    public var placementsByKey: [(String, MemoryPlacement)] {
        [("weights", weights), ("neuron_state", neuronState), ("recurrent_state", recurrentState)]
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
