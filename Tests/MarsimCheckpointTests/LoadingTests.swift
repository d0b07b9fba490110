import MarsimTestSupport
import Foundation
@testable import MarsimCheckpoint
import MarsimCore
import Testing

/// Checkpoint layouts a real Hugging Face directory may have, each loading to the right model.
@Suite("Loading")
struct LoadingTests {
    @Test("The embedded Bamba checkpoint and the Mamba2 fixture load with their documented shapes")
    func fixtures() throws {
        let bamba = try Checkpoint.load(FixturePaths.tinyLlambaBytes)
        #expect(bamba.architecture == "bamba")
        #expect(bamba.model.shape == ModelShape(architecture: "bamba", dModel: 128, layers: 4, vocabSize: 256, dInner: 256,
                                                heads: 8, headDim: 32, groups: 1, dState: 32, convKernel: 4, mlpHidden: 384,
                                                inProjRows: 2 * 256 + 2 * 32 + 8, tiedHead: false))
        let stored = try CheckpointFiles.fixture(FixturePaths.tinyLlambaBytes).tensors
        #expect(bamba.parameterCount == stored.reduce(0) { $0 + $1.elementCount })
        #expect(bamba.storedBytes == 4 * bamba.parameterCount)
        let mamba2 = try Checkpoint.load(FixturePaths.tinyMamba2Bytes)
        #expect(mamba2.architecture == "mamba2")
        #expect(mamba2.model.shape.dModel == 96 && mamba2.model.shape.heads == 12 && mamba2.model.shape.mlpHidden == 0)
        #expect(mamba2.model.hyper.timeStepLimit == (0, .infinity))
        #expect(mamba2.model.blocks.allSatisfy { $0.mlp == nil })
    }

    @Test("Two shards with model.safetensors.index.json load bit-identical to the single file", arguments: [2, 3])
    func sharded(shards: Int) throws {
        let files = try CheckpointFiles.fixture(FixturePaths.tinyMamba2Bytes)
        let single = try loadWritten(files)
        let split = try loadWritten(files, shards: shards)
        #expect(split.store.files.count == shards)
        #expect(split.parameterCount == single.parameterCount && split.storedBytes == single.storedBytes)
        for (a, b) in zip(single.model.namedArrays, split.model.namedArrays) {
            #expect(a.name == b.name)
            #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern), "\(a.name)")
        }
    }

    @Test("A tied head (no lm_head.weight, tie_word_embeddings) is the embedding", arguments: ["mamba2", "bamba"])
    func tiedHead(architecture: String) throws {
        var files = architecture == "mamba2" ? try CheckpointFiles.fixture(FixturePaths.tinyMamba2Bytes)
                                             : try CheckpointFiles.fixture(FixturePaths.tinyLlambaBytes)
        files["lm_head.weight"] = nil
        files.config["tie_word_embeddings"] = true
        let model = try loadWritten(files).model
        let (V, D) = (model.shape.vocabSize, model.shape.dModel)
        #expect(model.shape.tiedHead)
        #expect(model.lmHead.fanIn == D && model.lmHead.fanOut == V && model.lmHead.bias == nil)
        var mismatches = 0
        for o in 0..<V { for i in 0..<D where model.lmHead.weight(out: o, in: i) != model.embedding.value(at: o * D + i) { mismatches += 1 } }
        #expect(mismatches == 0)
    }

    @Test("An untied head is lm_head.weight, W[o, i] = lm_head[o][i]")
    func untiedHead() throws {
        let files = try CheckpointFiles.fixture(FixturePaths.tinyMamba2Bytes)
        let model = try loadWritten(files).model
        let head = files["lm_head.weight"]!.f32Values
        let D = model.shape.dModel
        var mismatches = 0
        for o in 0..<model.shape.vocabSize { for i in 0..<D where model.lmHead.weight(out: o, in: i) != head[o * D + i] { mismatches += 1 } }
        #expect(mismatches == 0)
        #expect(!model.shape.tiedHead)
        #expect(model.lmHead.weights != model.embedding.widened())
    }

    @Test("A tied checkpoint that still stores lm_head.weight loads and uses the embedding")
    func tiedWithStoredHead() throws {
        var files = CheckpointFiles.mamba2()
        files.config["tie_word_embeddings"] = true
        let model = try loadWritten(files).model
        #expect(model.lmHead.layout == .rowMajor && model.lmHead.storage === model.embedding)
    }

    @Test("n_groups ≥ 1: B and C are G·N wide in in_proj and conv", arguments: [1, 2, 4])
    func groups(groups: Int) throws {
        var shape = SyntheticShape()
        shape.groups = groups
        for files in [CheckpointFiles.mamba2(shape), CheckpointFiles.bamba(shape)] {
            let model = try loadWritten(files).model
            #expect(model.shape.groups == groups)
            #expect(model.shape.convChannels == shape.dInner + 2 * groups * shape.dState)
            #expect(model.blocks[0].mixer.inProj.fanOut == shape.inProjRows)
            #expect(model.blocks[0].mixer.convWeight.count == shape.convChannels * shape.convKernel)
        }
    }

    @Test("time_step_limit: default, finite clamps, bare Infinity and {\"__float__\": …}",
          arguments: [
            (#"absent"#, Float(0), Float.infinity),
            (#"[0.001, 0.1]"#, Float(0.001), Float(0.1)),
            (#"[0.0, Infinity]"#, Float(0), Float.infinity),
            (#"[0.0, {"__float__": "Infinity"}]"#, Float(0), Float.infinity),
            (#"[{"__float__": "0.5"}, {"__float__": "inf"}]"#, Float(0.5), Float.infinity),
          ])
    func timeStepLimit(text: String, low: Float, high: Float) throws {
        for var files in [CheckpointFiles.mamba2(), CheckpointFiles.bamba()] {
            files.config["time_step_limit"] = nil
            var json = try files.configJSON()
            if text != "absent" { json = json.replacingOccurrences(of: "{\n", with: "{\n  \"time_step_limit\" : \(text),\n", options: [], range: json.range(of: "{\n")) }
            files.configText = json
            let hyper = try loadWritten(files).model.hyper
            #expect(hyper.timeStepLimit == (low, high))
        }
    }

    @Test("Bias flags: use_bias / mamba_proj_bias, conv bias and mlp_bias load the bias tensors they name")
    func biasFlags() throws {
        var shape = SyntheticShape()
        shape.projBias = true
        shape.convBias = false
        shape.mlpBias = true
        let mamba2Files = CheckpointFiles.mamba2(shape)
        let mamba2 = try loadWritten(mamba2Files).model.blocks[1]
        #expect(mamba2.mixer.inProj.bias == mamba2Files["backbone.layers.1.mixer.in_proj.bias"]!.f32Values)
        #expect(mamba2.mixer.outProj.bias == mamba2Files["backbone.layers.1.mixer.out_proj.bias"]!.f32Values)
        #expect(mamba2.mixer.convBias == nil)

        let bambaFiles = CheckpointFiles.bamba(shape)
        let bamba = try loadWritten(bambaFiles).model.blocks[0]
        let p = "model.layers.0."
        #expect(bamba.mixer.inProj.bias == bambaFiles[p + "mamba.in_proj.bias"]!.f32Values)
        #expect(bamba.mixer.convBias == nil)
        #expect(bamba.mlp?.gateUp.bias == bambaFiles[p + "feed_forward.gate_proj.bias"]!.f32Values + bambaFiles[p + "feed_forward.up_proj.bias"]!.f32Values)
        #expect(bamba.mlp?.down.bias == bambaFiles[p + "feed_forward.down_proj.bias"]!.f32Values)

        var plain = SyntheticShape()
        plain.convBias = true
        let plainModel = try loadWritten(CheckpointFiles.bamba(plain)).model.blocks[0]
        #expect(plainModel.mixer.inProj.bias == nil && plainModel.mixer.outProj.bias == nil)
        #expect(plainModel.mixer.convBias?.count == plain.convChannels)
        #expect(plainModel.mlp?.gateUp.bias == nil && plainModel.mlp?.down.bias == nil)
    }

    @Test("Column-major projections hold W[:, i] contiguously; gate rows come before up rows")
    func projectionLayout() throws {
        let files = CheckpointFiles.bamba()
        let block = try loadWritten(files).model.blocks[0]
        let gate = files["model.layers.0.feed_forward.gate_proj.weight"]!.f32Values
        let up = files["model.layers.0.feed_forward.up_proj.weight"]!.f32Values
        let (M, D) = (12, 8)
        let gateUp = block.mlp!.gateUp
        #expect(gateUp.layout == .rowMajor && gateUp.fanOut == 2 * M && gateUp.fanIn == D)
        #expect(gateUp.weight(out: 3, in: 5) == gate[3 * D + 5])
        #expect(gateUp.weight(out: M + 3, in: 5) == up[3 * D + 5])
        #expect(gateUp.weights[3 * D + 5] == gate[3 * D + 5])
        #expect(gateUp.columnMajor().weights[5 * 2 * M + 3] == gate[3 * D + 5])
    }

    @Test("Bamba's mamba_d_head \"auto\" is mamba_expand × hidden_size / mamba_n_heads")
    func bambaAutoHeadDim() throws {
        var files = CheckpointFiles.bamba()
        files.config["mamba_d_head"] = "auto"
        #expect(try loadWritten(files).model.shape.headDim == 4)
    }

    @Test("Older Mamba2 files name the embedding backbone.embedding.weight")
    func legacyEmbeddingName() throws {
        var files = CheckpointFiles.mamba2()
        var embedding = files["backbone.embeddings.weight"]!
        files["backbone.embeddings.weight"] = nil
        embedding.name = "backbone.embedding.weight"
        files.tensors.append(embedding)
        #expect(try loadWritten(files).model.embedding.widened() == embedding.f32Values)
    }

    @Test("Parameter count and stored bytes count every tensor as stored")
    func counts() throws {
        let files = CheckpointFiles.bamba()
        let elements = files.tensors.reduce(0) { $0 + $1.elementCount }
        let f32 = try loadWritten(files)
        #expect(f32.parameterCount == elements && f32.storedBytes == 4 * elements)
        let bf16 = try loadWritten(files.converted { $0.toBF16() })
        #expect(bf16.parameterCount == elements && bf16.storedBytes == 2 * elements)
    }
}
