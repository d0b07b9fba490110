/// A profile reduced to prices: joules per counted element, plus the timing and static power.
///
/// This is all the energy model needs; it is derived once per profile and stored in every report,
/// so each joule in a report can be checked as `count × price` by hand.
public struct CostTable: Sendable, Equatable, Codable {
    /// J per synaptic op (AC) = `compute.ac`.
    public var perSynapticOp: Double
    /// J per dense MAC = `compute.mac`.
    public var perDenseMAC: Double
    /// J per neuron update = `compute.neuron_update`.
    public var perNeuronUpdate: Double
    /// J per emitted spike = `compute.spike`.
    public var perSpike: Double
    /// J per payload bit of an event = `compute.spike_bit` (0 when the profile has none).
    public var perSpikeBit: Double
    /// J per element-wise add = `compute.add`.
    public var perElementwiseAdd: Double
    /// J per element-wise multiply = `compute.mul`.
    public var perElementwiseMul: Double
    /// J per element-wise non-linear evaluation = `compute.nonlinear`.
    public var perElementwiseNonlinear: Double
    /// J per weight element read = `read(L_w) × (weight_bits ÷ width(L_w))`.
    public var perWeightRead: Double
    /// J per membrane value read = `read(L_n) × (state_bits ÷ width(L_n))`.
    public var perNeuronStateRead: Double
    /// J per membrane value written = `write(L_n) × (state_bits ÷ width(L_n))`.
    public var perNeuronStateWrite: Double
    /// J per recurrent-state element read = `read(L_r) × (recurrent_state_bits ÷ width(L_r))`.
    public var perRecurrentStateRead: Double
    /// J per recurrent-state element written = `write(L_r) × (recurrent_state_bits ÷ width(L_r))`.
    public var perRecurrentStateWrite: Double
    /// W, charged over each token's latency = `power.static`.
    public var staticPowerWatts: Double
    /// s per spiking tick = `timing.tick_period`.
    public var tickPeriodSeconds: Double
    /// s per dense MAC = `timing.dense_mac_time`.
    public var denseMACSeconds: Double
    /// Memory level names holding weights, neuron state and recurrent state.
    public var weightsLevel: String
    public var neuronStateLevel: String
    public var recurrentStateLevel: String

    /// Derives the prices from a validated profile.
    public init(profile: HardwareProfile) {
        let c = profile.compute
        perSynapticOp = c.ac.baseValue
        perDenseMAC = c.mac.baseValue
        perNeuronUpdate = c.neuronUpdate.baseValue
        perSpike = c.spike.baseValue
        perSpikeBit = c.spikeBit?.baseValue ?? 0
        perElementwiseAdd = c.add.baseValue
        perElementwiseMul = c.mul.baseValue
        perElementwiseNonlinear = c.nonlinear.baseValue

        let memory = profile.memory
        let weights = memory.levels[memory.weights.level]!
        let neuron = memory.levels[memory.neuronState.level]!
        let recurrent = memory.levels[memory.recurrentState.level]!
        let weightBits = profile.precision.weightBits.baseValue
        let stateBits = profile.precision.stateBits.baseValue
        let recurrentBits = profile.precision.recurrentStateBits.baseValue
        perWeightRead = weights.read.baseValue * (weightBits / weights.width.baseValue)
        perNeuronStateRead = neuron.read.baseValue * (stateBits / neuron.width.baseValue)
        perNeuronStateWrite = neuron.write.baseValue * (stateBits / neuron.width.baseValue)
        perRecurrentStateRead = recurrent.read.baseValue * (recurrentBits / recurrent.width.baseValue)
        perRecurrentStateWrite = recurrent.write.baseValue * (recurrentBits / recurrent.width.baseValue)

        staticPowerWatts = profile.staticPower.baseValue
        tickPeriodSeconds = profile.timing.tickPeriod.baseValue
        denseMACSeconds = profile.timing.denseMACTime.baseValue
        weightsLevel = memory.weights.level
        neuronStateLevel = memory.neuronState.level
        recurrentStateLevel = memory.recurrentState.level
    }

    /// The memory level a memory cost kind is charged at; nil for other kinds.
    public func memoryLevel(of kind: CostKind) -> String? {
        switch kind {
        case .weights: return weightsLevel
        case .neuronState: return neuronStateLevel
        case .recurrentState: return recurrentStateLevel
        default: return nil
        }
    }

    enum CodingKeys: String, CodingKey {
        case perSynapticOp = "joules_per_synaptic_op", perDenseMAC = "joules_per_dense_mac"
        case perNeuronUpdate = "joules_per_neuron_update", perSpike = "joules_per_spike"
        case perSpikeBit = "joules_per_spike_bit"
        case perElementwiseAdd = "joules_per_elementwise_add", perElementwiseMul = "joules_per_elementwise_mul"
        case perElementwiseNonlinear = "joules_per_elementwise_nonlinear"
        case perWeightRead = "joules_per_weight_read"
        case perNeuronStateRead = "joules_per_neuron_state_read", perNeuronStateWrite = "joules_per_neuron_state_write"
        case perRecurrentStateRead = "joules_per_recurrent_state_read"
        case perRecurrentStateWrite = "joules_per_recurrent_state_write"
        case staticPowerWatts = "static_power_watts", tickPeriodSeconds = "tick_period_seconds"
        case denseMACSeconds = "dense_mac_seconds"
        case weightsLevel = "weights_level", neuronStateLevel = "neuron_state_level"
        case recurrentStateLevel = "recurrent_state_level"
    }
}
