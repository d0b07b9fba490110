import MarsimCheckpoint
import MarsimCore

/// Greedy decoding: feed a prompt, then repeatedly the most likely next token.
public enum GreedyGeneration {
    /// The `count` tokens that follow `prompt` under `runner`'s projections (argmax at every step).
    ///
    /// - Throws: `GenerationError.nonFiniteLogits` when a step's logits are not all finite: the
    ///   argmax of NaNs is meaningless (it would emit token 0 over and over).
    public static func continuation<R: ProjectionRunner>(model: LanguageModel, prompt: [Int], count: Int, runner: inout R) throws -> [Int] {
        precondition(!prompt.isEmpty)
        let pass = ForwardPass(model: model)
        var state = RecurrentState(shape: model.shape)
        var logits: [Float] = []
        func step(_ token: Int) {
            runner.beginToken()
            var counts = TokenCounts(unitCount: pass.index.units.count)
            logits = pass.step(token: token, state: &state, runner: &runner, counts: &counts)
        }
        for token in prompt { step(token) }
        var generated: [Int] = []
        for _ in 0..<count {
            guard logits.allSatisfy(\.isFinite) else { throw GenerationError.nonFiniteLogits(generated: generated.count) }
            let next = Fidelity.argmax(logits)
            generated.append(next)
            if generated.count < count { step(next) }
        }
        return generated
    }
}

/// Why generation stopped.
public enum GenerationError: Error, Equatable, CustomStringConvertible {
    /// The logits after `generated` generated tokens held NaN or ±infinity.
    case nonFiniteLogits(generated: Int)

    public var description: String {
        switch self {
        case .nonFiniteLogits(let generated):
            return "the model's logits are not finite (NaN or ±inf) after \(generated) generated tokens; no token can be chosen"
        }
    }
}
