import MarsimCheckpoint
import MarsimCore

/// Greedy decoding: feed a prompt, then repeatedly the most likely next token.
public enum GreedyGeneration {
    /// What a continuation took: the prompt ran as known text in chunks (prefill), the generated
    /// tokens one at a time (decode).
    public struct Timing: Sendable {
        public var prefillSeconds: Double = 0
        public var prefillTokens: Int = 0
        public var decodeSeconds: Double = 0
        public var decodeTokens: Int = 0
        public init() {}
    }

    /// The `count` tokens that follow `prompt` under `runner`'s projections (argmax at every step).
    ///
    /// The prompt runs in chunks of `chunk` tokens; `timing` receives how long each phase took.
    ///
    /// - Throws: `GenerationError.nonFiniteLogits` when a step's logits are not all finite: the
    ///   argmax of NaNs is meaningless (it would emit token 0 over and over).
    public static func continuation<R: ProjectionRunner>(model: LanguageModel, prompt: [Int], count: Int, runner: inout R,
                                                         chunk: Int = ChunkPlan.defaultChunk,
                                                         timing: ((Timing) -> Void)? = nil) throws -> [Int] {
        precondition(!prompt.isEmpty)
        let pass = ForwardPass(model: model)
        var state = RecurrentState(shape: model.shape)
        var clock = Timing()
        var start = ContinuousClock.now
        var logits: [Float] = []
        for range in ChunkPlan(count: prompt.count, chunk: chunk).ranges {
            let out = pass.run(Array(prompt[range]), state: &state, runner: &runner)
            logits = Array(out.logits(range.count - 1))
        }
        clock.prefillSeconds = (ContinuousClock.now - start).seconds
        clock.prefillTokens = prompt.count
        start = ContinuousClock.now
        var generated: [Int] = []
        for _ in 0..<count {
            guard logits.allSatisfy(\.isFinite) else { throw GenerationError.nonFiniteLogits(generated: generated.count) }
            let next = Fidelity.argmax(logits)
            generated.append(next)
            if generated.count < count {
                logits = Array(pass.run([next], state: &state, runner: &runner).logits(0))
                clock.decodeTokens += 1
            }
        }
        clock.decodeSeconds = (ContinuousClock.now - start).seconds
        timing?(clock)
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
