import Foundation
import MarsimCore

/// How far a spiking model's next-token predictions are from the dense model's.
public enum Fidelity {
    /// log-softmax in Double: ln p over the vocabulary.
    public static func logProbabilities(_ logits: [Float]) -> [Double] {
        let m = Double(logits.max() ?? 0)
        var sum = 0.0
        for l in logits { sum += exp(Double(l) - m) }
        let logZ = m + log(sum)
        return logits.map { Double($0) - logZ }
    }

    /// KL(p ‖ q) in nats from log-probabilities.
    public static func klDivergence(_ logP: [Double], _ logQ: [Double]) -> Double {
        var kl = 0.0
        for i in logP.indices where logP[i] > -.infinity {
            kl += exp(logP[i]) * (logP[i] - logQ[i])
        }
        return max(0, kl)
    }

    /// Index of the largest logit (lowest index on ties).
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    /// Compares one position's dense and spiking logits; `next` is the actual next token, if any.
    ///
    /// When either side has a non-finite logit (NaN or ±∞, e.g. from overflowing activations) the
    /// comparison is undefined: KL and both NLLs are NaN and top-1 does not agree, so summaries
    /// report it (`SimulationSummary.nonFiniteTokens`) instead of a KL of 0.
    public static func compare(dense: [Float], spiking: [Float], next: Int?) -> TokenFidelity {
        guard dense.allSatisfy(\.isFinite), spiking.allSatisfy(\.isFinite) else {
            return TokenFidelity(klNats: .nan, top1Agrees: false, denseNLL: next.map { _ in .nan }, spikingNLL: next.map { _ in .nan })
        }
        let lp = logProbabilities(dense)
        let lq = spiking == dense ? lp : logProbabilities(spiking)
        return TokenFidelity(klNats: klDivergence(lp, lq), top1Agrees: argmax(dense) == argmax(spiking),
                             denseNLL: next.map { -lp[$0] }, spikingNLL: next.map { -lq[$0] })
    }
}

extension SimulationSummary {
    /// Tokens whose dense or spiking logits were not all finite (their fidelity is NaN).
    public var nonFiniteTokens: Int { fidelity.filter(\.klNats.isNaN).count }

    /// The first such token's position, if any.
    public var firstNonFiniteToken: Int? { fidelity.firstIndex { $0.klNats.isNaN } }
}
