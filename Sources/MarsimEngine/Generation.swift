import MarsimCheckpoint
import MarsimCore

/// Greedy decoding: feed a prompt, then repeatedly the most likely next token.
public enum GreedyGeneration {
    /// The `count` tokens that follow `prompt` under `runner`'s projections (argmax at every step).
    public static func continuation<R: ProjectionRunner>(model: LanguageModel, prompt: [Int], count: Int, runner: inout R) -> [Int] {
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
            let next = Fidelity.argmax(logits)
            generated.append(next)
            if generated.count < count { step(next) }
        }
        return generated
    }
}
