/// How a neuron's membrane is reset after it fires (models that offer a choice: `lif`).
public enum NeuronReset: String, Sendable, Equatable, Codable, CaseIterable {
    /// u ← h − q·V: the residue above the threshold is kept (what ATMN does).
    case subtract
    /// u ← 0: the residue is lost.
    case zero
}

/// The settings every neuron of a run shares: which model (a `NeuronRegistry` name), T, tau, and
/// the parameters only some models read (`reset` for `lif`, `spikeBits` for `graded`).
///
/// A threshold V means the same for every model: the value one unit of payload stands for, so a
/// neuron's output to the projection is Σ_t q_t·V (docs/DESIGN.md §2a).
public struct NeuronParameters: Sendable, Equatable {
    /// The neuron model's registry name (`atmn`, `binary`, `lif`, `graded`).
    public var model: String
    /// T: ticks per token.
    public var timesteps: Int
    /// tau: the membrane is divided by tau between ticks (1 = no leak).
    public var tau: Float
    /// `lif`: reset by subtraction or to zero.
    public var reset: NeuronReset
    /// `graded`: bits b of each event's signed payload (two's complement, |q| ≤ 2^(b−1) − 1).
    public var spikeBits: Int

    /// ATMN with T ticks and leak tau (the settings every run had before neuron models were a choice).
    public init(timesteps: Int, tau: Float) {
        self.init(model: ATMNModel.name, timesteps: timesteps, tau: tau)
    }

    public init(model: String, timesteps: Int, tau: Float, reset: NeuronReset = .subtract,
                spikeBits: Int = GradedNeuron.defaultSpikeBits) {
        precondition(timesteps >= 1 && timesteps <= 255, "T must be in 1...255")
        precondition(tau > 0, "tau must be positive")
        self.model = model
        self.timesteps = timesteps
        self.tau = tau
        self.reset = reset
        self.spikeBits = spikeBits
    }
}
