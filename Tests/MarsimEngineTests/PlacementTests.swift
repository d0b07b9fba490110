import MarsimCore
@testable import MarsimEngine
import Testing

@Suite("Placement")
struct PlacementTests {
    static let llamba = ModelShape(architecture: "bamba", dModel: 8, layers: 4, vocabSize: 256, dInner: 16, heads: 2, headDim: 8,
                                   groups: 1, dState: 4, convKernel: 4, mlpHidden: 12, inProjRows: 16 + 24 + 2, tiedHead: false)
    static let mamba2 = ModelShape(architecture: "mamba2", dModel: 8, layers: 2, vocabSize: 256, dInner: 16, heads: 2, headDim: 8,
                                   groups: 1, dState: 4, convKernel: 4, mlpHidden: 0, inProjRows: 42, tiedHead: false)

    static func names(_ spec: String, _ shape: ModelShape = llamba) throws -> [String] {
        try Placement(spec, shape: shape).sites.map(\.name)
    }

    @Test func defaultIsMARsFourSitesPerBlock() throws {
        let sites = try Self.names("all")
        #expect(sites.count == 16)
        #expect(Array(sites.prefix(4)) == ["layer00.mixer.in_proj", "layer00.mixer.out_proj", "layer00.mlp.gate_up_proj", "layer00.mlp.down_proj"])
    }

    @Test func moduleKindsLayersAndHead() throws {
        #expect(try Self.names("none") == [])
        #expect(try Self.names("mixer").count == 8)
        #expect(try Self.names("mlp@1") == ["layer01.mlp.gate_up_proj", "layer01.mlp.down_proj"])
        #expect(try Self.names("mixer.in_proj,mlp.down_proj@2-3")
            == ["layer00.mixer.in_proj", "layer01.mixer.in_proj", "layer02.mixer.in_proj", "layer02.mlp.down_proj",
                "layer03.mixer.in_proj", "layer03.mlp.down_proj"])
        #expect(try Self.names("mlp.up_proj@0,lm_head") == ["layer00.mlp.gate_up_proj", "lm_head"])
        #expect(try Self.names("all", Self.mamba2).count == 4)
    }

    @Test("bad placements are rejected with the reason", arguments: [
        ("bogus", "unknown site 'bogus'"),
        ("mixer@9", "outside the model's layers 0-3"),
        ("mixer@2-1", "outside the model's layers"),
        ("mixer@x", "must be @L or @A-B"),
        ("none,mixer", "'none' cannot be combined"),
        ("lm_head@0", "lm_head has no layer"),
        ("mixer,,mlp", "empty item"),
        ("mixer.in_proj@", "has no layer range after '@'"),
        ("mlp@ ", "has no layer range after '@'"),
    ])
    func rejects(_ spec: String, _ message: String) {
        #expect {
            try Placement(spec, shape: Self.llamba)
        } throws: { error in
            String(describing: error).contains(message) && String(describing: error).contains(spec)
        }
    }

    @Test func mlpOnAMixerOnlyModelIsAnError() {
        #expect(throws: PlacementError.self) { try Placement("mlp", shape: Self.mamba2) }
    }
}
