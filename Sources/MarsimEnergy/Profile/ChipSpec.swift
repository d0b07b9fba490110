/// The `[chip]` section of a neuromorphic profile: what one core and one chip hold, how far a spike
/// travels and what it costs per hop, and the static power of a chip.
///
/// Optional: a profile without it costs spikes as `compute.spike` alone and maps nothing. With it,
/// `ChipMapping` places the spiking sites onto cores (see there for the rule), the report says how
/// many cores and chips the model needs, spike routing is charged by hops and each chip's static
/// power over the run's latency. Every value is an entry (value with unit, source, optional
/// `assumption`); counts are written with the unit `neurons` or `cores`.
public struct ChipSpec: Sendable, Equatable, Codable {
    /// Neurons (compartments) one core holds, count.
    public var neuronsPerCore: ProfileEntry
    /// Synaptic (weight) memory of one core, bits.
    public var synapticMemoryPerCore: ProfileEntry
    /// Cores on one chip, count.
    public var coresPerChip: ProfileEntry
    /// Cores per row of a chip's mesh (cores are numbered row by row), count; rows = ⌈cores_per_chip ÷ columns⌉.
    public var meshColumns: ProfileEntry
    /// Energy of one spike delivered to a core (within its tile): paid once per destination core, J.
    public var hopWithinTile: ProfileEntry
    /// Energy per east-west (along a row) mesh hop, J.
    public var hopEastWest: ProfileEntry
    /// Energy per north-south (along a column) mesh hop, J.
    public var hopNorthSouth: ProfileEntry
    /// Energy of one spike crossing to another chip (the whole chip-to-chip path), J.
    public var hopInterChip: ProfileEntry
    /// Static (leakage + always-on) power of one chip, W; charged × chips used × latency.
    public var staticPerChip: ProfileEntry

    public init(neuronsPerCore: ProfileEntry, synapticMemoryPerCore: ProfileEntry, coresPerChip: ProfileEntry,
                meshColumns: ProfileEntry, hopWithinTile: ProfileEntry, hopEastWest: ProfileEntry,
                hopNorthSouth: ProfileEntry, hopInterChip: ProfileEntry, staticPerChip: ProfileEntry) {
        self.neuronsPerCore = neuronsPerCore
        self.synapticMemoryPerCore = synapticMemoryPerCore
        self.coresPerChip = coresPerChip
        self.meshColumns = meshColumns
        self.hopWithinTile = hopWithinTile
        self.hopEastWest = hopEastWest
        self.hopNorthSouth = hopNorthSouth
        self.hopInterChip = hopInterChip
        self.staticPerChip = staticPerChip
    }

    /// The TOML keys in file-schema order, with each one's dimension and whether it must be a
    /// positive whole number.
    static let schema: [(key: String, dimension: QuantityDimension, wholePositive: Bool)] = [
        ("neurons_per_core", .count, true), ("synaptic_memory_per_core", .size, true), ("cores_per_chip", .count, true),
        ("mesh_columns", .count, true), ("hop_within_tile", .energy, false), ("hop_east_west", .energy, false),
        ("hop_north_south", .energy, false), ("hop_inter_chip", .energy, false), ("static_per_chip", .power, false),
    ]

    /// Builds the spec from entries keyed as in `schema` (the loader has checked each one).
    init(entries e: [String: ProfileEntry]) {
        self.init(neuronsPerCore: e["neurons_per_core"]!, synapticMemoryPerCore: e["synaptic_memory_per_core"]!,
                  coresPerChip: e["cores_per_chip"]!, meshColumns: e["mesh_columns"]!, hopWithinTile: e["hop_within_tile"]!,
                  hopEastWest: e["hop_east_west"]!, hopNorthSouth: e["hop_north_south"]!,
                  hopInterChip: e["hop_inter_chip"]!, staticPerChip: e["static_per_chip"]!)
    }

    /// The entries with their `[chip]` keys, in `schema` order.
    public var entries: [(key: String, entry: ProfileEntry)] {
        [("neurons_per_core", neuronsPerCore), ("synaptic_memory_per_core", synapticMemoryPerCore),
         ("cores_per_chip", coresPerChip), ("mesh_columns", meshColumns), ("hop_within_tile", hopWithinTile),
         ("hop_east_west", hopEastWest), ("hop_north_south", hopNorthSouth), ("hop_inter_chip", hopInterChip),
         ("static_per_chip", staticPerChip)]
    }

    enum CodingKeys: String, CodingKey {
        case neuronsPerCore = "neurons_per_core", synapticMemoryPerCore = "synaptic_memory_per_core"
        case coresPerChip = "cores_per_chip", meshColumns = "mesh_columns", hopWithinTile = "hop_within_tile"
        case hopEastWest = "hop_east_west", hopNorthSouth = "hop_north_south", hopInterChip = "hop_inter_chip"
        case staticPerChip = "static_per_chip"
    }
}
