/// The architecture-level shape of a model: what the accounting and the energy model need to know
/// about it without its weights.
public struct ModelShape: Sendable, Equatable, Codable {
    /// Adapter name, e.g. `mamba2`, `bamba`, `llamba`.
    public var architecture: String
    /// D: width of the residual stream.
    public var dModel: Int
    /// L: number of blocks.
    public var layers: Int
    /// V: vocabulary size (rows of the embedding; columns of the logits).
    public var vocabSize: Int
    /// I = H·P: width of the mixer's inner stream.
    public var dInner: Int
    /// H: SSM heads.
    public var heads: Int
    /// P: channels per head.
    public var headDim: Int
    /// G: groups sharing B and C.
    public var groups: Int
    /// N: state size per head channel.
    public var dState: Int
    /// K: conv kernel width.
    public var convKernel: Int
    /// The MLP's hidden width, or 0 for mixer-only blocks.
    public var mlpHidden: Int
    /// Rows of the mixer's in_proj.
    public var inProjRows: Int
    /// Whether lm_head shares the embedding matrix.
    public var tiedHead: Bool

    public init(architecture: String, dModel: Int, layers: Int, vocabSize: Int, dInner: Int, heads: Int,
                headDim: Int, groups: Int, dState: Int, convKernel: Int, mlpHidden: Int, inProjRows: Int,
                tiedHead: Bool) {
        self.architecture = architecture
        self.dModel = dModel
        self.layers = layers
        self.vocabSize = vocabSize
        self.dInner = dInner
        self.heads = heads
        self.headDim = headDim
        self.groups = groups
        self.dState = dState
        self.convKernel = convKernel
        self.mlpHidden = mlpHidden
        self.inProjRows = inProjRows
        self.tiedHead = tiedHead
    }

    /// Channels that pass through the conv: x, B and C.
    public var convChannels: Int { dInner + 2 * groups * dState }

    /// The accounting units of this model, in forward order.
    public var units: [AccountingUnit] {
        var units = [AccountingUnit(layer: nil, kind: .embedding)]
        for layer in 0..<layers {
            var kinds: [UnitKind] = [.mixerNorm, .mixerInProj, .mixerConv, .mixerSSM, .mixerOutProj]
            if mlpHidden > 0 { kinds += [.mlpNorm, .mlpGateUpProj, .mlpAct, .mlpDownProj] }
            units += kinds.map { AccountingUnit(layer: layer, kind: $0) }
        }
        units += [AccountingUnit(layer: nil, kind: .finalNorm), AccountingUnit(layer: nil, kind: .lmHead)]
        return units
    }

    /// (fan-in, fan-out) of a projection unit: input channels (neurons when it spikes) and output rows.
    public func projectionSize(_ kind: UnitKind) -> (fanIn: Int, fanOut: Int)? {
        switch kind {
        case .mixerInProj: return (dModel, inProjRows)
        case .mixerOutProj: return (dInner, dModel)
        case .mlpGateUpProj: return mlpHidden > 0 ? (dModel, 2 * mlpHidden) : nil
        case .mlpDownProj: return mlpHidden > 0 ? (mlpHidden, dModel) : nil
        case .lmHead: return (dModel, vocabSize)
        default: return nil
        }
    }
}
