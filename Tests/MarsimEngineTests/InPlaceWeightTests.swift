import Foundation
import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import MarsimTestSupport
import Testing

/// Checkpoint weights are used where they lie (mapped, in their stored type), compute exactly what
/// the same values widened to fp32 compute, and the column cache is built once and invalidated
/// when the checkpoint's files change.
@Suite("Weights in place and the column cache")
struct InPlaceWeightTests {
    static func temporaryDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The embedded checkpoint rewritten with every F32 tensor converted.
    static func converted(_ convert: (TestTensor) -> TestTensor) throws -> URL {
        let dir = try temporaryDirectory("converted")
        try CheckpointFiles.fixture(FixturePaths.tinyLlambaBytes).converted(convert).write(to: dir)
        return dir
    }

    /// `model` with every weight matrix replaced by an owned fp32 copy of its widened values.
    static func widened(_ model: LanguageModel) -> LanguageModel {
        func owned(_ p: Projection) -> Projection {
            Projection(fanIn: p.fanIn, fanOut: p.fanOut, layout: p.layout, weights: p.weights, bias: p.bias)
        }
        var m = model
        m.embedding = WeightStorage(floats: model.embedding.widened())
        for i in m.blocks.indices {
            m.blocks[i].mixer.inProj = owned(m.blocks[i].mixer.inProj)
            m.blocks[i].mixer.outProj = owned(m.blocks[i].mixer.outProj)
            if let mlp = m.blocks[i].mlp { m.blocks[i].mlp = .assemble(gateUp: owned(mlp.gateUp), down: owned(mlp.down)) }
        }
        m.lmHead = model.shape.tiedHead ? Projection(fanIn: m.lmHead.fanIn, fanOut: m.lmHead.fanOut, layout: .rowMajor,
                                                     storage: m.embedding, bias: nil) : owned(model.lmHead)
        return m
    }

    @Test("fp32 checkpoints are mapped in place, row-major, no copy")
    func fp32InPlace() throws {
        let model = try Checkpoint.load(FixturePaths.tinyLlambaBytes).model
        let projections = model.blocks.flatMap { [$0.mixer.inProj, $0.mixer.outProj, $0.mlp!.gateUp, $0.mlp!.down] } + [model.lmHead]
        #expect(projections.allSatisfy { $0.layout == .rowMajor && $0.storage.isMapped && $0.storage.element == .f32 })
        #expect(model.embedding.isMapped)
        #expect(model.source != nil)
    }

    @Test("bf16 and f16 weights computed from their storage equal the widened fp32 model, bit for bit",
          arguments: ["bf16", "f16"])
    func halfInPlaceEqualsWidened(dtype: String) throws {
        let dir = try Self.converted { dtype == "bf16" ? $0.toBF16() : $0.toF16() }
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Checkpoint.load(dir).model
        let element: WeightElement = dtype == "bf16" ? .bf16 : .f16
        #expect(model.blocks[0].mlp!.gateUp.storage.element == element && model.blocks[0].mlp!.gateUp.storage.isMapped)
        #expect(model.lmHead.storage.element == element && model.embedding.element == element)
        let widened = Self.widened(model)
        #expect(widened.blocks[0].mixer.inProj.storage.element == .f32)
        let tokens = Array(ChunkTests.heldout.prefix(40))
        for chunk in [1, 16] {
            let a = ChunkTests.dense(model, tokens, chunk: chunk).0, b = ChunkTests.dense(widened, tokens, chunk: chunk).0
            #expect(a == b, "\(dtype) chunk \(chunk): max |Δ| \(ChunkTests.maxDifference(a, b))")
        }
    }

    @Test("gate_proj and up_proj stored back to back are one mapped view; apart, one owned copy")
    func stackedGateUp() throws {
        let files = try CheckpointFiles.fixture(FixturePaths.tinyLlambaBytes)
        let adjacent = try Checkpoint.load(FixturePaths.tinyLlambaBytes).model.blocks[0].mlp!.gateUp
        #expect(adjacent.storage.isMapped)
        var apart = files
        if let up = apart.tensors.firstIndex(where: { $0.name == "model.layers.0.feed_forward.up_proj.weight" }) {
            apart.tensors.append(apart.tensors.remove(at: up))
        }
        let dir = try Self.temporaryDirectory("apart")
        defer { try? FileManager.default.removeItem(at: dir) }
        try apart.write(to: dir)
        let split = try Checkpoint.load(dir).model.blocks[0].mlp!.gateUp
        #expect(!split.storage.isMapped)
        #expect(split.weights == adjacent.weights)
    }

    @Test("the column cache is built once, mapped after, equal to the in-memory transpose, rebuilt when a file changes")
    func columnCache() throws {
        let checkpointDir = try Self.temporaryDirectory("cached-checkpoint")
        let cacheDir = try Self.temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: checkpointDir); try? FileManager.default.removeItem(at: cacheDir) }
        let files = try CheckpointFiles.fixture(FixturePaths.tinyLlambaBytes)
        try files.write(to: checkpointDir)
        let cache = ColumnCache(directory: cacheDir)
        let sites = try Placement("all,lm_head", shape: try Checkpoint.load(checkpointDir).model.shape).sites

        func prepare() throws -> (LanguageModel, Int) {
            let model = try Checkpoint.load(checkpointDir).model
            var built = 0
            let prepared = try model.preparedForEvents(sites: sites, cache: cache) { message in
                if message.contains("built") { built = Int(message.split(separator: " ")[3])! }
            }
            for site in sites {
                let p = prepared.projection(at: site)!
                #expect(p.layout == .columnMajor && p.storage.isMapped)
                #expect(p.weights == model.projection(at: site)!.columnMajor().weights)
            }
            return (prepared, built)
        }
        let entries = { (try FileManager.default.contentsOfDirectory(atPath: cacheDir.path)).filter { $0.hasSuffix(".columns") }.sorted() }

        let (_, firstBuilt) = try prepare()
        #expect(firstBuilt == sites.count)
        let first = try entries()
        #expect(first.count == sites.count)
        let (_, secondBuilt) = try prepare()
        #expect(secondBuilt == 0)
        #expect(try entries() == first)

        // A rewritten file (new modification time and inode) is a new fingerprint: rebuilt, stale entries gone.
        Thread.sleep(forTimeInterval: 0.01)
        try files.converted { t in
            var copy = t
            if t.name == "model.layers.0.mamba.out_proj.weight" { copy = .f32(t.name, t.shape, t.f32Values.map { $0 * 2 }) }
            return copy
        }.write(to: checkpointDir)
        let (rebuiltModel, rebuilt) = try prepare()
        #expect(rebuilt == sites.count)
        let now = try entries()
        #expect(now.count == sites.count && Set(now).isDisjoint(with: first))
        let outProj = rebuiltModel.projection(at: AccountingUnit(layer: 0, kind: .mixerOutProj))!
        let original = try Checkpoint.load(FixturePaths.tinyLlambaBytes).model.blocks[0].mixer.outProj.columnMajor()
        #expect(outProj.weights == original.weights.map { $0 * 2 })
    }

    @Test("the content hash is remembered in the cache under the files' fingerprint: read back, recomputed when a file changes")
    func contentHashCache() throws {
        let checkpointDir = try Self.temporaryDirectory("hashed-checkpoint")
        let cacheDir = try Self.temporaryDirectory("hash-cache")
        defer { try? FileManager.default.removeItem(at: checkpointDir); try? FileManager.default.removeItem(at: cacheDir) }
        let files = try CheckpointFiles.fixture(FixturePaths.tinyLlambaBytes)
        try files.write(to: checkpointDir)
        let cache = ColumnCache(directory: cacheDir)
        let entries = { (try FileManager.default.contentsOfDirectory(atPath: cacheDir.path)).filter { $0.hasSuffix(".content-hash") } }

        let computed = try Checkpoint.load(checkpointDir).identity().contentHash
        #expect(try Checkpoint.load(checkpointDir).identity(cache: cache).contentHash == computed)
        let stored = try entries()
        #expect(stored.count == 1)
        #expect(try String(contentsOf: cacheDir.appendingPathComponent(stored[0]), encoding: .utf8) == computed)
        // Building column entries for the same files keeps it (only other versions' entries are stale).
        let model = try Checkpoint.load(checkpointDir).model
        _ = try model.preparedForEvents(sites: [AccountingUnit(layer: 0, kind: .mixerOutProj)], cache: cache)
        #expect(try entries() == stored)

        // A later load takes the remembered value (shown by planting another one) instead of reading the weights.
        let planted = "0123456789abcdef"
        try planted.write(to: cacheDir.appendingPathComponent(stored[0]), atomically: true, encoding: .utf8)
        #expect(try Checkpoint.load(checkpointDir).identity(cache: cache).contentHash == planted)

        // Rewritten files are a new fingerprint: the hash is computed again and the stale entry removed.
        Thread.sleep(forTimeInterval: 0.01)
        try files.converted { t in
            t.name == "model.layers.0.mamba.out_proj.weight" ? .f32(t.name, t.shape, t.f32Values.map { $0 * 2 }) : t
        }.write(to: checkpointDir)
        let changed = try Checkpoint.load(checkpointDir).identity(cache: cache).contentHash
        #expect(changed != computed && changed != planted)
        #expect(changed == (try Checkpoint.load(checkpointDir).identity().contentHash))
        let now = try entries()
        #expect(now.count == 1 && now != stored)
    }

    @Test("a spiking run on cached columns equals one on in-memory columns")
    func cachedRunEqualsInMemory() throws {
        let cacheDir = try Self.temporaryDirectory("cache-run")
        defer { try? FileManager.default.removeItem(at: cacheDir) }
        let model = try Checkpoint.load(FixturePaths.tinyLlambaBytes).model
        let placement = try Placement("all", shape: model.shape)
        let tokens = Array(ChunkTests.heldout.prefix(60))
        var results: [[[Float]]] = []
        for cache in [nil, ColumnCache(directory: cacheDir)] {
            var settings = SimulationSettings(mode: .spiking, parameters: ATMNParameters(timesteps: 3, tau: 1), placement: placement,
                                              thresholds: .fixed(0.2, sites: placement.sites, shape: model.shape))
            settings.columnCache = cache
            var logits: [[Float]] = []
            _ = try Simulator(model: model, settings: settings).run(tokens: tokens, bytesOfToken: nil) { _, l in logits.append(l) }
            results.append(logits)
        }
        #expect(results[0] == results[1])
    }
}
