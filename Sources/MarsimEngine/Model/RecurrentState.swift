import MarsimCore

/// The recurrent state one sequence carries from token to token: per layer, the conv window and
/// the SSM state. Everything the mixers remember lives here, so a state can be copied to branch a
/// sequence (e.g. score several continuations of one context).
public struct RecurrentState: Sendable {
    /// Per layer, (C, K) conv inputs, oldest first; column K−1 is the newest token.
    public var conv: [[Float]]
    /// Per layer, (H, P, N) SSM state.
    public var ssm: [[Float]]

    /// A placeholder with no layers (for moving a state out of a variable without copying it).
    init(empty: Void) {
        conv = []
        ssm = []
    }

    /// The all-zero state before the first token.
    public init(shape: ModelShape) {
        conv = Array(repeating: [Float](repeating: 0, count: shape.convChannels * shape.convKernel), count: shape.layers)
        ssm = Array(repeating: [Float](repeating: 0, count: shape.heads * shape.headDim * shape.dState), count: shape.layers)
    }
}
