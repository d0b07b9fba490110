import Foundation
import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import Testing

/// The dense path against transformers' golden tensors (fixtures' golden.safetensors).
@Suite("Dense conformance")
struct DenseConformanceTests {
    struct Golden {
        var inputIDs: [Int]
        var logits: [Float]
        var hiddenStates: [Float]?
    }

    static func golden(_ dir: URL) throws -> Golden {
        let file = try SafetensorsFile(url: dir.appendingPathComponent("golden.safetensors"))
        return Golden(inputIDs: try file.floats("input_ids").map { Int($0) },
                      logits: try file.floats("logits"),
                      hiddenStates: file.tensors["hidden_states"] == nil ? nil : try file.floats("hidden_states"))
    }

    /// Where transformers' `output_hidden_states` puts each point. Bamba: [embedding, blocks 0…L−2,
    /// final norm]. Mamba2: [blocks 0…L−1 … with the last replaced by the final norm] — Mamba2Model
    /// appends after each block and then after norm_f, and the golden keeps L + 1 entries.
    static func goldenIndex(_ point: HiddenStatePoint, architecture: String, layers L: Int) -> Int? {
        switch (architecture, point) {
        case ("mamba2", .embedding): return nil
        case ("mamba2", .afterBlock(let i)): return i
        case (_, .embedding): return 0
        case (_, .afterBlock(let i)): return i + 1 < L ? i + 1 : nil
        case (_, .finalNorm): return L
        }
    }

    /// Decodes the golden input token by token; returns max |Δ| of logits and of hidden states.
    static func maxErrors(_ dir: URL) throws -> (logits: Float, hidden: Float) {
        let checkpoint = try Checkpoint.load(dir)
        let g = try golden(dir)
        let pass = ForwardPass(model: checkpoint.model)
        let s = checkpoint.model.shape, V = s.vocabSize, D = s.dModel, T = g.inputIDs.count
        var state = RecurrentState(shape: s)
        var runner = DenseRunner()
        var worstLogit: Float = 0, worstHidden: Float = 0
        for (t, token) in g.inputIDs.enumerated() {
            var counts = TokenCounts(unitCount: pass.index.units.count)
            let logits = pass.step(token: token, state: &state, runner: &runner, counts: &counts) { point, values in
                guard let hs = g.hiddenStates, let i = goldenIndex(point, architecture: s.architecture, layers: s.layers) else { return }
                for d in 0..<D { worstHidden = max(worstHidden, abs(values[d] - hs[(i * T + t) * D + d])) }
            }
            for v in 0..<V { worstLogit = max(worstLogit, abs(logits[v] - g.logits[t * V + v])) }
        }
        return (worstLogit, worstHidden)
    }

    @Test("tiny-llamba-bytes (BambaForCausalLM) matches transformers to 1e-4")
    func bamba() throws {
        let e = try Self.maxErrors(FixturePaths.tinyLlambaBytes)
        print("conformance tiny-llamba-bytes: max |Δlogits| = \(e.logits), max |Δhidden| = \(e.hidden)")
        #expect(e.logits <= 1e-4)
        #expect(e.hidden <= 1e-4)
    }

    @Test("tiny-mamba2-bytes (Mamba2ForCausalLM) matches transformers to 1e-4")
    func mamba2() throws {
        let e = try Self.maxErrors(FixturePaths.tinyMamba2Bytes)
        print("conformance tiny-mamba2-bytes: max |Δlogits| = \(e.logits), max |Δhidden| = \(e.hidden)")
        #expect(e.logits <= 1e-4)
        #expect(e.hidden <= 1e-4)
    }

    @Test("tiny-bamba-groups4 (n_groups 4, per-group gated norm) matches transformers to 1e-4")
    func bambaFourGroups() throws {
        let e = try Self.maxErrors(FixturePaths.tinyBambaGroups4)
        print("conformance tiny-bamba-groups4: max |Δlogits| = \(e.logits)")
        #expect(e.logits <= 1e-4)
    }
}
