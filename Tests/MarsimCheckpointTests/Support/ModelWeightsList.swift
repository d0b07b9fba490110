import MarsimTestSupport
@testable import MarsimCheckpoint

extension LanguageModel {
    /// Every weight array of the model with a name, in a fixed order (projections in their stored
    /// layout), so two loads can be compared element by element.
    var namedArrays: [(name: String, values: [Float])] {
        var out: [(String, [Float])] = [("embedding", embedding.widened())]
        func projection(_ name: String, _ p: Projection) {
            out.append((name + ".weights", p.weights))
            if let bias = p.bias { out.append((name + ".bias", bias)) }
        }
        func optional(_ name: String, _ values: [Float]?) {
            if let values { out.append((name, values)) }
        }
        for (i, block) in blocks.enumerated() {
            let p = "block\(i)."
            out.append((p + "mixerNorm", block.mixerNorm))
            projection(p + "inProj", block.mixer.inProj)
            out.append((p + "conv", block.mixer.convWeight))
            optional(p + "convBias", block.mixer.convBias)
            optional(p + "dtBias", block.mixer.dtBias)
            optional(p + "A_log", block.mixer.aLog)
            out.append((p + "D", block.mixer.d))
            optional(p + "gatedNorm", block.mixer.gatedNormWeight)
            optional(p + "zBias", block.mixer.zBias)
            projection(p + "outProj", block.mixer.outProj)
            optional(p + "mlpNorm", block.mlpNorm)
            if let mlp = block.mlp {
                projection(p + "gateUp", mlp.gateUp)
                projection(p + "down", mlp.down)
            }
        }
        out.append(("finalNorm", finalNorm))
        projection("lmHead", lmHead)
        return out
    }
}
