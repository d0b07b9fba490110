#if os(Linux)
import Foundation
@testable import MarsimCLI
import MarsimCore
import MarsimTestSupport
import MarsimTrace
import Testing

/// Issue 15 item 2: every `--json` carries `marsim` and NeuroBench's `neurobench` block, each
/// NeuroBench quantity recomputed here independently — from the embedded checkpoint's config
/// (hand-written shape) and from the trace's events — never from marsim's counters.
@Suite(.serialized) struct JSONConventionsTests {
    static let checkpoint = InspectCommandTests.tinyLlambaBytes.path

    // tiny-llamba-bytes/config.json: D 128, expand 2 (I 256), 8 heads × 32, state 32, 1 group, conv 4, MLP 384, vocab 256, 4 layers.
    static let (d, i, n, h, g, k, m, vocab, layers) = (128, 256, 32, 8, 1, 4, 384, 256, 4)
    static var inProjOut: Int { 2 * i + 2 * g * n + h }  // 584
    static var convChannels: Int { i + 2 * g * n }       // 320
    /// Per spiking site of a layer (MAR's four): fan-in, fan-out (gate and up: two Linear layers on one input).
    static var sites: [(name: String, fanIn: Int, fanOut: Int)] {
        [("mixer.in_proj", d, inProjOut), ("mixer.out_proj", i, d), ("mlp.gate_up_proj", d, 2 * m), ("mlp.down_proj", m, d)]
    }

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try KillTests.run(arguments)
        try #require(result.status == 0, "marsim \(arguments.joined(separator: " ")) failed")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    }

    /// FNV-1a over the tensor file's 64-bit little-endian words, then its tail bytes (what traces record).
    static func contentHash(_ path: String) throws -> String {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let words = bytes.count / 8
        for w in 0..<words {
            var word: UInt64 = 0
            for b in 0..<8 { word |= UInt64(bytes[8 * w + b]) << (8 * b) }
            hash = (hash ^ word) &* 0x0000_0100_0000_01B3
        }
        for b in bytes[(words * 8)...] { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func provenance(_ object: [String: Any], command: String) throws {
        let marsim = try #require(object["marsim"] as? [String: Any])
        #expect(marsim["version"] as? String == marsimVersion)
        #expect(marsim["command"] as? String == command)
        #expect(marsim["checkpoint_hash"] as? String == (try contentHash(checkpoint + "/model.safetensors")))
    }

    @Test func simulateAndEnergyCarryNeuroBenchHandChecked() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let trace = dir.file("t.h5").path
        let T = 4
        let report = try Self.json(["simulate", "--checkpoint", Self.checkpoint, "--text", "NeuroBench, by hand.", "--timesteps", "\(T)",
                                    "--threshold", "0.05", "--trace", trace, "--trace-level", "events", "--json"])
        try Self.provenance(report, command: "simulate")
        let tokens = try #require(report["tokens"] as? Int)
        #expect(tokens == 20)

        // From the trace's events alone: per site, events × fan-out (ACs), events at ticks ≥ 1.
        let reader = try TraceReader(path: trace)
        var acs = 0, events = 0, laterTickEvents = 0
        for token in 0..<tokens {
            for spikes in try reader.spikes(token: token) {
                let site = reader.metadata.spikingSites[spikes.site]
                let fanOut = try #require(Self.sites.first { $0.name == site.kind.rawValue }).fanOut
                acs += spikes.count * fanOut
                events += spikes.count
                laterTickEvents += spikes.ticks.filter { $0 >= 1 }.count
            }
        }
        #expect(events > 0)
        let perLayerFanIn = Self.sites.map(\.fanIn).reduce(0, +)              // 896 neurons per layer
        let perLayerDense = Self.sites.map { $0.fanIn * $0.fanOut }.reduce(0, +)  // 254,976 weights per layer
        let conv = Self.layers * Self.convChannels * Self.k                      // depthwise Conv1d: C × K per token
        let lmHead = Self.d * Self.vocab
        let expected: [String: Double] = [
            "Effective_ACs": Double(acs) / Double(tokens),
            "Effective_MACs": Double(conv + lmHead),                                   // the dense conv and lm_head
            "Dense": Double(Self.layers * perLayerDense * T + conv + lmHead),          // spiking sites: T calls per token
        ]
        let neurons = Self.layers * perLayerFanIn * T * tokens
        let sparsity = Double(neurons - events) / Double(neurons)
        // ATMN, tau = 1: every neuron at tick 0; later, the membrane changes exactly when it fires.
        let membrane = Double(Self.layers * perLayerFanIn * tokens + laterTickEvents) / Double(tokens)

        for (name, object) in [("simulate", report),
                               ("energy", try Self.json(["energy", trace, "--profile", "horowitz-45nm-compute", "--json"]))] {
            if name == "energy" { try Self.provenance(object, command: "energy") }
            let nb = try #require(object["neurobench"] as? [String: Any], "\(name)")
            let ops = try #require(nb["synaptic_operations"] as? [String: Double], "\(name)")
            #expect(ops == expected, "\(name)")
            #expect(abs(try #require(nb["activation_sparsity"] as? Double) - sparsity) < 1e-12, "\(name)")
            #expect(abs(try #require(nb["membrane_updates"] as? Double) - membrane) < 1e-9, "\(name)")
        }
        // Renamed keys, and their deprecated spellings for one release.
        #expect(report["acs"] as? Int == acs && report["synaptic_ops"] as? Int == acs)
        // marsim's `macs` also holds the scan (2·H·P·N + H·P per layer), which is no NeuroBench connection layer.
        let scan = Self.layers * (2 * Self.h * (Self.i / Self.h) * Self.n + Self.i)
        #expect(report["macs"] as? Int == (conv + lmHead + scan) * tokens && report["dense_macs"] as? Int == report["macs"] as? Int)
        #expect(report["mean_kl_nats"] as? Double == report["kl_mean"] as? Double && report["mean_kl_nats"] != nil)

        // energy --csv leaves out the rows of 0 J/token unless --csv-all.
        let csv = try KillTests.run(["energy", trace, "--csv"]).output.split(separator: "\n").dropFirst()
        let all = try KillTests.run(["energy", trace, "--csv", "--csv-all"]).output.split(separator: "\n").dropFirst()
        let zero = { (line: Substring) in Double(line.split(separator: ",").last!) == 0 }
        #expect(!csv.isEmpty && !csv.contains(where: zero))
        #expect(all.contains(where: zero))
        #expect(Array(csv) == all.filter { !zero($0) })
    }

    @Test func evalAndWhatIfCarryTheBlocks() throws {
        let tasks = InspectCommandTests.repoRoot.appendingPathComponent("Tests/Fixtures/mc/pydoc-mc.jsonl").path
        let eval = try Self.json(["eval", "--checkpoint", Self.checkpoint, "--tasks", tasks, "--limit", "2", "--timesteps", "2",
                                  "--threshold", "0.05", "--json"])
        try Self.provenance(eval, command: "eval")
        let spiking = try #require(eval["spiking"] as? [String: Any])
        // One task at one T: `runs` holds it, and its keys are also at the top level (deprecated).
        let runs = try #require(eval["runs"] as? [[String: Any]])
        #expect(runs.count == 1 && runs[0]["spiking"] as? NSDictionary == spiking as NSDictionary && runs[0]["task"] as? String == "pydoc-mc")
        // The top-level block is the spiking model's; a dense run has no ACs and Dense = its MACs.
        #expect((eval["neurobench"] as? NSDictionary) == (spiking["neurobench"] as? NSDictionary))
        let dense = try #require((eval["dense"] as? [String: Any])?["neurobench"] as? [String: Any])
        let denseOps = try #require(dense["synaptic_operations"] as? [String: Double])
        let perLayer = Self.sites.map { $0.fanIn * $0.fanOut }.reduce(0, +)
        let denseMACs = Double(Self.layers * (perLayer + Self.convChannels * Self.k) + Self.d * Self.vocab)
        #expect(denseOps == ["Effective_ACs": 0, "Effective_MACs": denseMACs, "Dense": denseMACs])
        #expect(dense["activation_sparsity"] as? Double == 0 && dense["membrane_updates"] as? Double == 0)

        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.file("study").path
        let study = try Self.json(["whatif", "--checkpoint", Self.checkpoint, "--text-file", Self.checkpoint + "/heldout.txt",
                                   "--limit", "16", "--timesteps", "2", "--placement", "mixer", "--profile", "horowitz-45nm-compute",
                                   "--out", out, "--json"])
        try Self.provenance(study, command: "whatif")
        #expect((study["split"] as? String)?.contains("tokens 0–15") == true)
        let rows = try #require(study["rows"] as? [[String: Any]])
        #expect(rows.map { $0["configuration"] as? String } == ["dense", "T2-mixer-x1.0"])
        #expect(rows.map { $0["label"] as? String } == ["dense", "T=2 mixer"])
        #expect(rows[1]["neurobench"] != nil && study["neurobench"] != nil)
        let files = try #require(study["files"] as? [String])
        for file in files { #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)") }
        let csv = try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n")
        let header = csv[0].split(separator: ",").map(String.init)
        let last = csv[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(last[header.firstIndex(of: "configuration")!] == "T2-mixer-x1.0")
        #expect(last[header.firstIndex(of: "label")!] == "T=2 mixer")
        // (JSONSerialization parses numbers to within an ulp or two.)
        let kl = try #require(Double(last[header.firstIndex(of: "mean_kl_nats")!]))
        #expect(abs(kl - (try #require(rows[1]["mean_kl_nats"] as? Double))) < 1e-14)
        #expect(last[header.firstIndex(of: "kl_mean")!] == last[header.firstIndex(of: "mean_kl_nats")!])
    }
}
#endif
