import MarsimCore

/// Which projections spike: a set of sites chosen by module kind and by layer.
///
/// Grammar (items separated by `,` or `+`, united; `+` lets a what-if sweep, whose placements are
/// comma-separated, name a composite one):
/// - `none` — nothing spikes (the run is the dense model, bit for bit);
/// - `all` — MAR's four sites in every block: mixer.in_proj, mixer.out_proj, mlp.gate_up_proj, mlp.down_proj
///   (blocks without an MLP contribute their two mixer sites);
/// - `mixer` — mixer.in_proj + mixer.out_proj; `mlp` — mlp.gate_up_proj + mlp.down_proj;
/// - a site: `mixer.in_proj`, `mixer.out_proj`, `mlp.gate_up_proj` (alias `mlp.gate_proj`, `mlp.up_proj`:
///   gate and up share one input, so they spike together), `mlp.down_proj`, `lm_head`;
/// - any item but `lm_head` may end in `@L` or `@A-B` to restrict it to layer L or layers A…B.
///
/// Examples: `all`, `mixer`, `all,lm_head`, `mixer.in_proj,mlp.down_proj@0-7`, `mixer.in_proj+mlp@2`.
public struct Placement: Sendable, Equatable {
    /// The text the user wrote (kept for traces).
    public let specification: String
    /// The spiking sites in schedule order (layer by layer, forward order within a block; lm_head last).
    public let sites: [AccountingUnit]

    /// The MAR default.
    public static let defaultSpecification = "all"

    /// Parses `specification` for a model of `shape`; errors name the offending item.
    public init(_ specification: String, shape: ModelShape) throws {
        self.specification = specification
        let items = specification.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "+" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var chosen = Set<AccountingUnit>()
        let blockKinds: [UnitKind] = [.mixerInProj, .mixerOutProj, .mlpGateUpProj, .mlpDownProj]
        for item in items {
            guard !item.isEmpty else { throw PlacementError(specification, "empty item") }
            if item == "none" {
                guard items.count == 1 else { throw PlacementError(specification, "'none' cannot be combined with other sites") }
                continue
            }
            let parts = item.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if parts.count == 2 && parts[1].trimmingCharacters(in: .whitespaces).isEmpty {
                throw PlacementError(specification, "'\(item)' has no layer range after '@' (write @L or @A-B)")
            }
            let name = parts[0]
            var layers = Array(0..<shape.layers)
            if parts.count == 2 {
                guard name != "lm_head" else { throw PlacementError(specification, "lm_head has no layer; drop '@\(parts[1])'") }
                layers = try Self.parseLayers(parts[1], layerCount: shape.layers, specification: specification)
            }
            let kinds: [UnitKind]
            var mustExist = true
            switch name {
            case "all": kinds = blockKinds; mustExist = false
            case "mixer": kinds = [.mixerInProj, .mixerOutProj]
            case "mlp": kinds = [.mlpGateUpProj, .mlpDownProj]
            case "mixer.in_proj": kinds = [.mixerInProj]
            case "mixer.out_proj": kinds = [.mixerOutProj]
            case "mlp.gate_up_proj", "mlp.gate_proj", "mlp.up_proj": kinds = [.mlpGateUpProj]
            case "mlp.down_proj": kinds = [.mlpDownProj]
            case "lm_head":
                chosen.insert(AccountingUnit(layer: nil, kind: .lmHead))
                continue
            default:
                throw PlacementError(specification, "unknown site '\(name)' (expected none, all, mixer, mlp, mixer.in_proj, mixer.out_proj, mlp.gate_up_proj, mlp.down_proj or lm_head)")
            }
            for kind in kinds {
                if mustExist && shape.projectionSize(kind) == nil {
                    throw PlacementError(specification, "this \(shape.architecture) model has no \(kind.rawValue) (its blocks have no MLP)")
                }
                guard shape.projectionSize(kind) != nil else { continue }
                for layer in layers { chosen.insert(AccountingUnit(layer: layer, kind: kind)) }
            }
        }
        sites = shape.units.filter { chosen.contains($0) }
    }

    private static func parseLayers(_ text: String, layerCount: Int, specification: String) throws -> [Int] {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(bounds.count), bounds.allSatisfy({ $0 != nil }) else {
            throw PlacementError(specification, "layer range '@\(text)' must be @L or @A-B")
        }
        let lo = bounds[0]!, hi = bounds.last!!
        guard lo <= hi, lo >= 0, hi < layerCount else {
            throw PlacementError(specification, "layer range '@\(text)' is outside the model's layers 0-\(layerCount - 1)")
        }
        return Array(lo...hi)
    }
}

/// A placement that cannot be parsed, with the reason.
public struct PlacementError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ specification: String, _ reason: String) { description = "placement '\(specification)': \(reason)" }
}
