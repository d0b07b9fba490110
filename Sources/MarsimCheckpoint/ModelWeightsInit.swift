// Public constructors for the weight structs, so code outside MarsimCheckpoint (the engine's
// synthetic benchmark models) can assemble a `LanguageModel` directly in its final layout. (The
// synthesized memberwise initialisers are internal, and a public init with the same labels would
// clash with them.) Added by the performance work (issue 6) as a separate file so it cannot conflict
// with edits to ModelWeights.swift; if the structs gain public memberwise inits, use those instead.

extension MixerWeights {
    public static func assemble(kind: MixerKind, inProj: Projection, convWeight: [Float], convBias: [Float]?, dtBias: [Float]?,
                                aLog: [Float]?, d: [Float], gatedNormWeight: [Float]?, zBias: [Float]?,
                                outProj: Projection) -> MixerWeights {
        MixerWeights(kind: kind, inProj: inProj, convWeight: convWeight, convBias: convBias, dtBias: dtBias, aLog: aLog, d: d,
                     gatedNormWeight: gatedNormWeight, zBias: zBias, outProj: outProj)
    }
}

extension MLPWeights {
    public static func assemble(gateUp: Projection, down: Projection) -> MLPWeights {
        MLPWeights(gateUp: gateUp, down: down)
    }
}

extension BlockWeights {
    public static func assemble(mixerNorm: [Float], mixer: MixerWeights, mlpNorm: [Float]?, mlp: MLPWeights?) -> BlockWeights {
        BlockWeights(mixerNorm: mixerNorm, mixer: mixer, mlpNorm: mlpNorm, mlp: mlp)
    }
}
