/// NeuroBench's workload metrics of a run (`SynapticOperations`, `ActivationSparsity`,
/// `MembraneUpdates`, as neurobench/metrics/workload/*.py define them), per sample, where one
/// sample is one token: one execution of the model (T ticks of every spiking site).
///
/// The mapping onto marsim's units (docs/DESIGN.md §6):
/// - NeuroBench's connection layers (`nn.Linear`, `nn.Conv1d`) are the projection units and the
///   depthwise conv (`mixer.conv1d`); the scan, norms and gates are not connection layers.
/// - `Effective_ACs`: the spiking sites' `synaptic_ops` (events × fan-out: each nonzero spike times
///   the nonzero weights of its column, V folded into the column). `Effective_MACs`: the other
///   connection units' `dense_macs` (every input × every weight). `Dense`: fan-in × fan-out per call
///   of every connection unit, a spiking site being called once per tick (T calls per token).
/// - `activation_sparsity`: zero outputs ÷ all outputs of the neuron layers (the spiking sites) over
///   every tick, 1 − spikes ÷ `neuron_updates`; 0 when no site spikes, as NeuroBench returns.
/// - `membrane_updates`: the spiking sites' `membrane_updates` counter.
public struct NeuroBenchMetrics: Sendable, Equatable, Codable {
    /// NeuroBench's `synaptic_operations`, with its key names.
    public struct SynapticOperations: Sendable, Equatable, Codable {
        public var Effective_MACs: Double
        public var Effective_ACs: Double
        public var Dense: Double
    }

    public var synaptic_operations: SynapticOperations
    public var activation_sparsity: Double
    /// Nil when the counts lack the counter (a trace written before format 1.3).
    public var membrane_updates: Double?

    /// Whether `kind` is one of NeuroBench's connection layers (`nn.Linear`, `nn.Conv1d`).
    public static func isConnectionLayer(_ kind: UnitKind) -> Bool { kind.isProjection || kind == .mixerConv }

    /// The metrics of a run from its counts summed per unit over `tokens` tokens.
    /// - units, totals, denseBaseline: one entry per unit, in the same order (`denseBaseline`: one
    ///   token of the model run dense, as `RunMetadata.denseBaseline`).
    /// - membraneUpdatesKnown: false for counts read from a file that did not store the counter.
    public init(units: [AccountingUnit], totals: [ActivityCounts], denseBaseline: [ActivityCounts], tokens: Int,
                spikingSites: [AccountingUnit], timesteps: Int, membraneUpdatesKnown: Bool = true) {
        let spiking = Set(spikingSites)
        var macs = 0, acs = 0, dense = 0, spikes = 0, neurons = 0, membrane = 0
        for (i, unit) in units.enumerated() where Self.isConnectionLayer(unit.kind) {
            let c = totals[i]
            let calls = spiking.contains(unit) ? timesteps : 1
            dense += (i < denseBaseline.count ? denseBaseline[i].denseMACs : 0) * calls
            macs += c.denseMACs
            acs += c.synapticOps
            if spiking.contains(unit) {
                spikes += c.spikes
                neurons += c.neuronUpdates
                membrane += c.membraneUpdates
            }
        }
        let n = Double(max(tokens, 1))
        synaptic_operations = SynapticOperations(Effective_MACs: Double(macs) / n, Effective_ACs: Double(acs) / n,
                                                 Dense: Double(dense))
        activation_sparsity = neurons == 0 ? 0 : Double(neurons - spikes) / Double(neurons)
        membrane_updates = membraneUpdatesKnown ? Double(membrane) / n : nil
    }

    /// The metrics of a recorded run: `totals` per unit in `metadata.units` order.
    public init(metadata: RunMetadata, totals: [ActivityCounts], tokens: Int, membraneUpdatesKnown: Bool = true) {
        self.init(units: metadata.units, totals: totals, denseBaseline: metadata.denseBaseline, tokens: tokens,
                  spikingSites: metadata.spikingSites, timesteps: metadata.timesteps, membraneUpdatesKnown: membraneUpdatesKnown)
    }
}
