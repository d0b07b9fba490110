// Checks the dense decode of a Cartesia Llamba checkpoint (DiscreteMamba2 mixer, goombalab/phi-mamba
// semantics) against the fixture's golden logits from a token-by-token fp32 reference recurrence.
import Foundation
import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import Testing

/// The Llamba (DiscreteMamba2) path: golden logits, spiking sites, and the mixer's op counts.
@Suite("Llamba conformance")
struct LlambaConformanceTests {
    @Test("tiny-llamba-cartesia: token-by-token decode matches the golden logits to 1e-4")
    func goldenLogits() throws {
        let checkpoint = try Checkpoint.load(FixturePaths.tinyLlambaCartesia)
        let golden = try DenseConformanceTests.golden(FixturePaths.tinyLlambaCartesia)
        #expect(golden.inputIDs.count == 40)
        #expect(golden.logits.count == 40 * checkpoint.model.shape.vocabSize)
        let e = try DenseConformanceTests.maxErrors(FixturePaths.tinyLlambaCartesia)
        print("conformance tiny-llamba-cartesia: max |Δlogits| = \(e.logits)")
        #expect(e.logits <= 1e-4)
    }

    @Test("the four MAR spiking sites exist in every block, sized like the loaded projections")
    func spikingSites() throws {
        let model = try Checkpoint.load(FixturePaths.tinyLlambaCartesia).model
        let s = model.shape, units = Set(s.units)
        for (layer, block) in model.blocks.enumerated() {
            let sites: [(UnitKind, Projection)] = [
                (.mixerInProj, block.mixer.inProj), (.mixerOutProj, block.mixer.outProj),
                (.mlpGateUpProj, block.mlp!.gateUp), (.mlpDownProj, block.mlp!.down),
            ]
            for (kind, projection) in sites {
                #expect(units.contains(AccountingUnit(layer: layer, kind: kind)), "layer \(layer) \(kind)")
                let size = s.projectionSize(kind)
                #expect(size?.fanIn == projection.fanIn && size?.fanOut == projection.fanOut, "layer \(layer) \(kind)")
            }
        }
    }

    @Test("conv and scan counts follow the documented rules")
    func mixerCounts() throws {
        let model = try Checkpoint.load(FixturePaths.tinyLlambaCartesia).model
        let pass = ForwardPass(model: model)
        let counts = pass.denseCountsPerToken()
        let s = model.shape
        let (H, P, N, C, K, I) = (s.heads, s.headDim, s.dState, s.convChannels, s.convKernel, s.dInner)
        for layer in 0..<s.layers {
            let conv = counts[pass.index(layer, .mixerConv)]
            #expect(conv.denseMACs == C * K)
            #expect(conv.weightsRead == C * K + C)
            #expect(conv.elementwiseAdds == C)
            #expect(conv.elementwiseNonlinear == 0)  // identity activation
            #expect(conv.recurrentStateRead == C * (K - 1) && conv.recurrentStateWritten == C)

            let ssm = counts[pass.index(layer, .mixerSSM)]
            #expect(ssm.denseMACs == 2 * H * P * N + H * P)
            #expect(ssm.elementwiseMuls == H * P * N + I)
            #expect(ssm.elementwiseAdds == I)
            #expect(ssm.elementwiseNonlinear == 2 * H + I)
            #expect(ssm.weightsRead == H + I)
            #expect(ssm.recurrentStateRead == H * P * N && ssm.recurrentStateWritten == H * P * N)

            let inProj = counts[pass.index(layer, .mixerInProj)]
            #expect(inProj.denseMACs == s.dModel * (C + I + H))
        }
    }
}
