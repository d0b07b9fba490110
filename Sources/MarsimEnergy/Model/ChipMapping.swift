import Foundation
import MarsimCore

/// Where a run's spiking sites sit on a neuromorphic profile's cores and chips, and what routing a
/// spike costs there (the profile's `[chip]`, `ChipSpec`).
///
/// **What is placed.** Each spiking site is a projection `y = W x` whose `fanIn` inputs are spiking
/// neurons (one per input channel) and whose `fanOut` outputs accumulate the events' weight columns.
/// Both are neurons (compartments) of the chip: the `fanIn` **source** neurons hold no synapses (their
/// input comes from the dense stage before them); each of the `fanOut` **destination** neurons holds
/// its `fanIn` incoming weights, `fanIn × weight_bits` bits of synaptic memory, on its own core (as
/// on Loihi, synapses sit with the neuron they feed). The dense parts (conv, SSM scan, norms,
/// non-spiking projections) run off the chips and are not placed.
///
/// **Greedy placement.** Sites in unit order (layer order); per site its source neurons, then its
/// destination neurons, one by one onto the current core; a neuron that would exceed the core's
/// `neurons_per_core` **or** its `synaptic_memory_per_core` starts the next core (cores are never
/// revisited). cores = cores touched; chips = ⌈cores ÷ cores_per_chip⌉. Core `g` is core
/// `i = g mod cores_per_chip` of chip `⌊g ÷ cores_per_chip⌋`, at column `i mod mesh_columns`, row
/// `⌊i ÷ mesh_columns⌋` of the chip's mesh. A destination neuron whose weights alone exceed a
/// core's synaptic memory cannot be placed (`EnergyError.unmappable`).
///
/// **Routing.** An event of a site goes from its source neuron's core to every core holding the
/// site's destination neurons (one delivery per destination core). A delivery on the same chip costs
/// `hop_within_tile + dx × hop_east_west + dy × hop_north_south` (dx, dy: column and row distance,
/// Manhattan routing; 0 and 0 on the same core); a delivery to another chip costs `hop_inter_chip`
/// (the whole chip-to-chip path). Events are taken as spread over the site's source neurons in
/// proportion to where those neurons sit, so the cost of one event is the mean over source cores,
/// weighted by their neurons, of the sum over destination cores. Routing J/token =
/// Σ_sites events per token × J per event, charged to the `spike` cost kind of the site.
///
/// **Static.** `static_per_chip × chips × latency` per token, charged to `static` beside
/// `power.static` (which then stands for the host running the dense parts).
public struct ChipMapping: Sendable, Equatable, Codable {
    /// One placed spiking site.
    public struct Site: Sendable, Equatable, Codable {
        /// The accounting unit's name (`layer00.mixer.in_proj`).
        public var unit: String
        /// Index of the unit in the run's unit list.
        public var unitIndex: Int
        /// Source (spiking) neurons, = the projection's fan-in.
        public var fanIn: Int
        /// Destination neurons, = the projection's fan-out.
        public var fanOut: Int
        /// Global index of the first and last core holding any of the site's neurons.
        public var firstCore: Int
        public var lastCore: Int
        /// Cores holding destination neurons: deliveries per event.
        public var destinationCores: Int
        /// Per event (mean over source neurons): on-chip deliveries, E-W hops, N-S hops, inter-chip deliveries.
        public var onChipDeliveriesPerEvent: Double
        public var eastWestHopsPerEvent: Double
        public var northSouthHopsPerEvent: Double
        public var interChipDeliveriesPerEvent: Double
        /// J of routing one event: the four figures above times their energies.
        public var routingJoulesPerEvent: Double

        enum CodingKeys: String, CodingKey {
            case unit, unitIndex = "unit_index", fanIn = "fan_in", fanOut = "fan_out", firstCore = "first_core"
            case lastCore = "last_core", destinationCores = "destination_cores"
            case onChipDeliveriesPerEvent = "on_chip_deliveries_per_event", eastWestHopsPerEvent = "east_west_hops_per_event"
            case northSouthHopsPerEvent = "north_south_hops_per_event"
            case interChipDeliveriesPerEvent = "inter_chip_deliveries_per_event"
            case routingJoulesPerEvent = "routing_joules_per_event"
        }
    }

    public var sites: [Site]
    /// Cores touched by the placement.
    public var cores: Int
    /// ⌈cores ÷ cores_per_chip⌉.
    public var chips: Int

    /// A site's shape as the mapping needs it.
    public struct SiteShape: Sendable, Equatable {
        public var unit: String
        public var unitIndex: Int
        public var fanIn: Int
        public var fanOut: Int
        public init(unit: String, unitIndex: Int, fanIn: Int, fanOut: Int) {
            self.unit = unit
            self.unitIndex = unitIndex
            self.fanIn = fanIn
            self.fanOut = fanOut
        }
    }

    /// The spiking sites of a run, from its counts: a unit with neuron updates is a site; fan-in =
    /// its neuron updates ÷ (tokens × T) (each of its neurons steps every tick), fan-out = the dense
    /// baseline's MACs of the unit ÷ fan-in (the projection run dense is fan-in × fan-out MACs).
    /// Both divide exactly for marsim's own traces; other counts are rounded to the nearest whole
    /// number (fan-in at least 1).
    static func shapes(unitTotals: [ActivityCounts], tokens: Int, timesteps: Int, denseBaseline: [ActivityCounts],
                       units: [AccountingUnit]) -> [SiteShape] {
        var shapes: [SiteShape] = []
        for (u, total) in unitTotals.enumerated() where total.neuronUpdates > 0 {
            let ticks = Double(max(tokens, 1)) * Double(max(timesteps, 1))
            let fanIn = max(1, Int(min((Double(total.neuronUpdates) / ticks).rounded(), 1e15)))
            let fanOut = Int(min((Double(denseBaseline[u].denseMACs) / Double(fanIn)).rounded(), 1e15))
            shapes.append(SiteShape(unit: units[u].name, unitIndex: u, fanIn: fanIn, fanOut: fanOut))
        }
        return shapes
    }

    /// The most cores a mapping may use, and the most (source core, destination core) pairs one
    /// site's routing may sum: bounds that keep a hostile trace from stalling the report (a 1B model
    /// needs about 8,000 Loihi cores).
    static let maxCores = 1_000_000
    static let maxRoutePairs = 50_000_000

    /// Places `sites` onto `chip`'s cores with weights of `weightBits` bits (see the type's rule).
    ///
    /// - Throws: `EnergyError.unmappable` when one destination neuron's weights exceed a core's memory.
    public static func map(_ sites: [SiteShape], chip: ChipSpec, weightBits: Double, profile: String) throws -> ChipMapping {
        let neuronsPerCore = Int(chip.neuronsPerCore.baseValue)
        let memoryBits = chip.synapticMemoryPerCore.baseValue
        var placer = CorePlacer(neuronsPerCore: neuronsPerCore, memoryBits: memoryBits, maxCores: maxCores)
        var placed: [(shape: SiteShape, sources: [(core: Int, neurons: Int)], destinations: [(core: Int, neurons: Int)])] = []
        for site in sites {
            let bitsPerDestination = Double(site.fanIn) * weightBits
            guard bitsPerDestination <= memoryBits else {
                throw EnergyError.unmappable(site: site.unit, profile: profile, reason:
                    "one output neuron's \(site.fanIn) weights × \(weightBits.formatted()) bit = \(bitsPerDestination.formatted()) bit "
                    + "exceed chip.synaptic_memory_per_core (\(chip.synapticMemoryPerCore.quantity.text))")
            }
            guard let sources = placer.place(site.fanIn, bitsEach: 0),
                  let destinations = placer.place(site.fanOut, bitsEach: bitsPerDestination) else {
                throw EnergyError.unmappable(site: site.unit, profile: profile, reason:
                    "the model needs more than \(maxCores) cores; check the trace's shape")
            }
            guard sources.count * destinations.count <= maxRoutePairs else {
                throw EnergyError.unmappable(site: site.unit, profile: profile, reason:
                    "\(sources.count) source cores × \(destinations.count) destination cores are too many routes to sum")
            }
            placed.append((site, sources, destinations))
        }
        let cores = placer.coresUsed
        let perChip = Int(chip.coresPerChip.baseValue)
        let geometry = MeshGeometry(coresPerChip: perChip, columns: Int(chip.meshColumns.baseValue))
        let mapped = placed.map { shape, sources, destinations -> Site in
            var onChip = 0.0, ew = 0.0, ns = 0.0, inter = 0.0
            for source in sources {
                let weight = Double(source.neurons) / Double(shape.fanIn)
                for destination in destinations {
                    if let (dx, dy) = geometry.distance(source.core, destination.core) {
                        onChip += weight
                        ew += weight * Double(dx)
                        ns += weight * Double(dy)
                    } else {
                        inter += weight
                    }
                }
            }
            let joules = onChip * chip.hopWithinTile.baseValue + ew * chip.hopEastWest.baseValue
                + ns * chip.hopNorthSouth.baseValue + inter * chip.hopInterChip.baseValue
            let touched = (sources + destinations).map(\.core)
            return Site(unit: shape.unit, unitIndex: shape.unitIndex, fanIn: shape.fanIn, fanOut: shape.fanOut,
                        firstCore: touched.min() ?? 0, lastCore: touched.max() ?? 0, destinationCores: destinations.count,
                        onChipDeliveriesPerEvent: onChip, eastWestHopsPerEvent: ew, northSouthHopsPerEvent: ns,
                        interChipDeliveriesPerEvent: inter, routingJoulesPerEvent: joules)
        }
        return ChipMapping(sites: mapped, cores: cores, chips: (cores + perChip - 1) / perChip)
    }

    /// Routing J per event by unit index (0 for units that are not placed sites).
    func routingJoulesPerEvent(unitCount: Int) -> [Double] {
        var perUnit = [Double](repeating: 0, count: unitCount)
        for site in sites { perUnit[site.unitIndex] = site.routingJoulesPerEvent }
        return perUnit
    }
}

/// The greedy core filler: the current core's neurons and synaptic bits, moved on when the next
/// neuron does not fit.
private struct CorePlacer {
    let neuronsPerCore: Int
    let memoryBits: Double
    let maxCores: Int
    private var core = 0
    private var neurons = 0
    private var bits = 0.0

    init(neuronsPerCore: Int, memoryBits: Double, maxCores: Int) {
        self.neuronsPerCore = neuronsPerCore
        self.memoryBits = memoryBits
        self.maxCores = maxCores
    }

    /// Cores touched so far (0 before anything is placed).
    var coresUsed: Int { neurons > 0 || core > 0 ? core + 1 : 0 }

    /// Places `count` neurons of `bitsEach` synaptic bits (≤ the core's memory); returns the cores
    /// used with how many neurons each got, in order; nil when that would pass `maxCores` cores.
    mutating func place(_ count: Int, bitsEach: Double) -> [(core: Int, neurons: Int)]? {
        var left = count, spans: [(core: Int, neurons: Int)] = []
        while left > 0 {
            let byMemory = bitsEach > 0 ? Int(((memoryBits - bits) / bitsEach).rounded(.down)) : Int.max
            let room = min(neuronsPerCore - neurons, byMemory)
            guard room > 0 else {
                guard core + 1 < maxCores else { return nil }
                core += 1
                neurons = 0
                bits = 0
                continue
            }
            let n = min(room, left)
            spans.append((core, n))
            neurons += n
            bits += Double(n) * bitsEach
            left -= n
        }
        return spans
    }
}

/// Positions of cores on the chips' meshes.
private struct MeshGeometry {
    let coresPerChip: Int
    let columns: Int

    /// (column distance, row distance) of two cores on the same chip; nil when on different chips.
    func distance(_ a: Int, _ b: Int) -> (Int, Int)? {
        guard a / coresPerChip == b / coresPerChip else { return nil }
        let i = a % coresPerChip, j = b % coresPerChip
        return (abs(i % columns - j % columns), abs(i / columns - j / columns))
    }
}

/// A report's chip mapping: the placement's size and the energy it adds per token (the contract's
/// `mapping` block of `energy --json`), with the placed sites.
public struct MappingEnergy: Sendable, Equatable, Codable {
    public var cores: Int
    public var chips: Int
    /// Σ_sites events per token × routing J per event; included in the `spike` cost kind.
    public var routingJoulesPerToken: Double
    /// `static_per_chip × chips × latency` per token; included in the `static` cost kind.
    public var staticJoulesPerToken: Double
    public var sites: [ChipMapping.Site]

    public init(mapping: ChipMapping, routingJoulesPerToken: Double, staticJoulesPerToken: Double) {
        cores = mapping.cores
        chips = mapping.chips
        self.routingJoulesPerToken = routingJoulesPerToken
        self.staticJoulesPerToken = staticJoulesPerToken
        sites = mapping.sites
    }

    enum CodingKeys: String, CodingKey {
        case cores, chips, routingJoulesPerToken = "routing_joules_per_token"
        case staticJoulesPerToken = "static_joules_per_token", sites
    }
}

/// One run's chip mapping under a profile, ready to charge: routing J per event of each unit and
/// the static watts of the chips used.
struct ChipCharges {
    let mapping: ChipMapping
    /// Routing J per event, by unit index (0 off the sites).
    let perEvent: [Double]
    /// `static_per_chip × chips`, W.
    let watts: Double

    /// nil for a profile without `[chip]`; see `ChipMapping.shapes` for how sites are read from the counts.
    init?(profile: HardwareProfile, unitTotals: [ActivityCounts], tokens: Int, timesteps: Int,
          denseBaseline: [ActivityCounts], units: [AccountingUnit]) throws {
        guard let chip = profile.chip else { return nil }
        let shapes = ChipMapping.shapes(unitTotals: unitTotals, tokens: tokens, timesteps: timesteps,
                                        denseBaseline: denseBaseline, units: units)
        mapping = try ChipMapping.map(shapes, chip: chip, weightBits: profile.precision["weight_bits"]?.baseValue ?? 0,
                                      profile: profile.name)
        perEvent = mapping.routingJoulesPerEvent(unitCount: units.count)
        watts = Double(mapping.chips) * chip.staticPerChip.baseValue
    }

    /// Routing J of one token's counts (one row per unit).
    func routing(_ row: [ActivityCounts]) -> Double {
        row.indices.reduce(0) { $0 + routing(unit: $1, row[$1]) }
    }

    /// Routing J of `counts` at unit `u`: its events × J per event.
    func routing(unit u: Int, _ counts: ActivityCounts) -> Double {
        Double(counts.spikesPositive + counts.spikesNegative) * perEvent[u]
    }
}
