/// A place in the model where work is counted: one projection, one dense stage, or a model-level part.
///
/// Every operation the engine performs is attributed to exactly one unit, so the energy model can
/// break joules down by layer × unit × cost kind. Projection units are the candidate spiking sites.
public enum UnitKind: String, CaseIterable, Sendable, Codable, Hashable {
    /// The token embedding lookup (model level).
    case embedding = "embedding"
    /// RMSNorm before the mixer, and the mixer's residual add.
    case mixerNorm = "mixer.norm"
    /// The mixer's input projection (spiking site in MAR).
    case mixerInProj = "mixer.in_proj"
    /// The depthwise causal conv1d over the xBC channels.
    case mixerConv = "mixer.conv1d"
    /// The selective scan, the skip term D·x and the gate (gated RMSNorm or silu(z + z_bias)).
    case mixerSSM = "mixer.ssm"
    /// The mixer's output projection (spiking site in MAR).
    case mixerOutProj = "mixer.out_proj"
    /// RMSNorm before the MLP, and the MLP's residual add.
    case mlpNorm = "mlp.norm"
    /// The MLP's gate and up projections, which share one input (one spiking site in MAR).
    case mlpGateUpProj = "mlp.gate_up_proj"
    /// silu(gate) · up.
    case mlpAct = "mlp.act"
    /// The MLP's down projection (spiking site in MAR).
    case mlpDownProj = "mlp.down_proj"
    /// The final RMSNorm (model level).
    case finalNorm = "final_norm"
    /// The language-model head (model level; optionally spiking).
    case lmHead = "lm_head"

    /// Whether this unit is a linear projection, and so a candidate spiking site.
    public var isProjection: Bool {
        switch self {
        case .mixerInProj, .mixerOutProj, .mlpGateUpProj, .mlpDownProj, .lmHead: return true
        default: return false
        }
    }
}

/// One accounting unit of a concrete model: a kind, in a layer (nil for model-level units).
public struct AccountingUnit: Hashable, Sendable, Codable, CustomStringConvertible {
    public var layer: Int?
    public var kind: UnitKind

    public init(layer: Int?, kind: UnitKind) {
        self.layer = layer
        self.kind = kind
    }

    /// The unit's stable name, e.g. `layer03.mixer.in_proj` or `lm_head`; also the SONATA population name.
    public var name: String {
        guard let layer else { return kind.rawValue }
        let digits = String(layer)
        return "layer" + String(repeating: "0", count: max(0, 2 - digits.count)) + digits + "." + kind.rawValue
    }

    public var description: String { name }

    /// Parses a name produced by `name`.
    public init?(name: String) {
        if let kind = UnitKind(rawValue: name) {
            self.init(layer: nil, kind: kind)
            return
        }
        guard name.hasPrefix("layer"), let dot = name.firstIndex(of: ".") else { return nil }
        let digits = name[name.index(name.startIndex, offsetBy: 5)..<dot]
        guard let layer = Int(digits), let kind = UnitKind(rawValue: String(name[name.index(after: dot)...])) else {
            return nil
        }
        self.init(layer: layer, kind: kind)
    }
}
