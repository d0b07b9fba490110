import Foundation
import MarsimCheckpoint
import MarsimCore
@testable import MarsimEngine
import MarsimTestSupport
import Testing

/// Engine cases of issue 11: learned thresholds stored as integers, non-finite logits reported as
/// such (never a KL of 0), generation that cannot choose a token.
@Suite("Engine reliability")
struct EngineReliabilityTests {
    static let shape = PlacementTests.llamba

    /// Log-thresholds stored as I32 or BOOL used to be widened as numbers.
    @Test(arguments: ["I32", "BOOL", "U8"])
    func integerLogThresholdsAreRefused(dtype: String) throws {
        let dir = try TemporaryDirectory("thresholds")
        defer { dir.remove() }
        let site = AccountingUnit(layer: 0, kind: .mixerInProj)
        let fanIn = Self.shape.projectionSize(.mixerInProj)!.fanIn
        let size = dtype == "I32" ? 4 : 1
        let tensor = TestTensor(name: site.name, dtype: dtype, shape: [fanIn], bytes: [UInt8](repeating: 1, count: fanIn * size))
        let file = dir.file("t.safetensors")
        try SafetensorsWriter.file([tensor]).write(to: file)
        let error = #expect(throws: ThresholdError.self) { _ = try ThresholdSet.learned(file: file, sites: [site], shape: Self.shape) }
        #expect(error?.description == "\(file.path): tensor '\(site.name)' is stored as \(dtype); log-thresholds must be F32, F16, BF16 or F64")
    }

    /// NaN or ±inf logits on either side make the comparison undefined: NaN KL and NLLs, no
    /// top-1 agreement — where `max(0, NaN)` used to report a KL of exactly 0.
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteLogitsAreNotAPerfectMatch(bad: Float) {
        let good: [Float] = [1, 2, 3, 0.5]
        var poisoned = good
        poisoned[2] = bad
        for (dense, spiking) in [(good, poisoned), (poisoned, good), (poisoned, poisoned)] {
            let fidelity = Fidelity.compare(dense: dense, spiking: spiking, next: 1)
            #expect(fidelity.klNats.isNaN && !fidelity.top1Agrees)
            #expect(fidelity.denseNLL?.isNaN == true && fidelity.spikingNLL?.isNaN == true)
        }
        let same = Fidelity.compare(dense: good, spiking: good, next: 1)
        #expect(same.klNats == 0 && same.top1Agrees)
        let summary = SimulationSummary(tokens: 3, units: [], countsPerUnit: [], countsPerToken: [],
                                        fidelity: [same, Fidelity.compare(dense: good, spiking: poisoned, next: nil), same], nextTokenBytes: nil)
        #expect(summary.nonFiniteTokens == 1 && summary.firstNonFiniteToken == 1)
        #expect(summary.klMean.isNaN, "the mean over a NaN is NaN, not 0")
    }

    /// Greedy generation stops with an error instead of emitting argmax(NaN) = token 0 forever.
    @Test func generationRefusesNonFiniteLogits() throws {
        let dir = try LlambaConformanceFixture.poisonedCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = try Checkpoint.load(dir, allowNonFinite: true)
        var runner = DenseRunner()
        let error = #expect(throws: GenerationError.self) {
            _ = try GreedyGeneration.continuation(model: checkpoint.model, prompt: [1, 2], count: 5, runner: &runner)
        }
        #expect(error == .nonFiniteLogits(generated: 0))
    }
}

/// A copy of the Cartesia Llamba fixture whose final norm holds a NaN.
enum LlambaConformanceFixture {
    static func poisonedCopy() throws -> URL {
        let source = FixturePaths.repoRoot.appendingPathComponent("Tests/Fixtures/tiny-llamba-cartesia")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-nan-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: dir)
        let url = dir.appendingPathComponent("model.safetensors")
        var data = try Data(contentsOf: url)
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: data[8 ..< 8 + headerLength]) as! [String: Any]
        let name = "backbone.final_layernorm.weight"
        let offsets = (header[name] as! [String: Any])["data_offsets"] as! [Int]
        let at = 8 + headerLength + offsets[0]
        withUnsafeBytes(of: UInt32(0x7FC0_0000).littleEndian) { data.replaceSubrange(at ..< at + 4, with: $0) }
        try data.write(to: url)
        return dir
    }
}
