import Foundation
import MarsimCheckpoint
@testable import MarsimCLI
import MarsimCore
import MarsimEngine
import MarsimReport
import MarsimStudy
import MarsimTestSupport
import Testing

/// A spiking run that names no thresholds calibrates on the checkpoint's own text (or the run's
/// input) and says so, instead of silently using V = 1 for every neuron.
@Suite("Default thresholds")
struct DefaultThresholdTests {
    static let heldout = InspectCommandTests.tinyLlambaBytes.appendingPathComponent("heldout.txt").path

    @Test("The embedded checkpoint's heldout.txt is the default calibration text; a run on that file calibrates after its tokens")
    func checkpointText() throws {
        let checkpoint = try Checkpoint.load(InspectCommandTests.tinyLlambaBytes)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.heldout))).map(Int.init)
        let plain = try DefaultCalibration.window(checkpoint: checkpoint, input: .init(ids: [1, 2], name: "--text", file: nil), limit: 1024)
        #expect(plain.sourceName == "the checkpoint's heldout.txt tokens 0–1023" && !plain.overlapsInput)
        #expect(plain.ids == Array(bytes.prefix(1024)))
        let sameFile = try DefaultCalibration.window(
            checkpoint: checkpoint, input: .init(ids: Array(bytes.prefix(256)), name: Self.heldout, file: Self.heldout), limit: 1024)
        #expect(sameFile.sourceName == "the checkpoint's heldout.txt tokens 256–1279" && !sameFile.overlapsInput)
        #expect(sameFile.ids == Array(bytes[256..<1280]))
    }

    @Test("Without a calibration text in the checkpoint the run's own tokens are used, flagged as overlapping; with no input it is an error")
    func runInput() throws {
        let dir = try TemporaryDirectory("default-thresholds")
        defer { dir.remove() }
        let copy = try CLI.copyCheckpoint(to: dir)
        try FileManager.default.removeItem(atPath: copy + "/heldout.txt")
        let checkpoint = try Checkpoint.load(URL(fileURLWithPath: copy))
        let window = try DefaultCalibration.window(checkpoint: checkpoint, input: .init(ids: [72, 105, 33], name: "the prompt", file: nil), limit: 2)
        #expect(window.ids == [72, 105] && window.sourceName == "the prompt tokens 0–1" && window.overlapsInput)
        #expect(throws: CLIError.self) { try DefaultCalibration.window(checkpoint: checkpoint, input: nil, limit: 8) }
    }

    @Test("thresholdSet: no option → the rule on the default window (same values as calibrating by hand); --threshold V → fixed V")
    func resolution() throws {
        let checkpoint = try Checkpoint.load(InspectCommandTests.tinyLlambaBytes)
        let placement = try Placement("mixer", shape: checkpoint.model.shape)
        let input = DefaultCalibration.Input(ids: [1, 2, 3], name: "--text", file: nil)
        let defaulted = try SpikingOptions.parse([]).thresholdSet(checkpoint: checkpoint, sites: placement.sites, input: input)
        #expect(defaulted.source.contains("default: the checkpoint's heldout.txt tokens 0–1023"), "\(defaulted.source)")
        let window = try DefaultCalibration.window(checkpoint: checkpoint, input: input, limit: 1024)
        let byHand = try ThresholdSet.calibrated(model: checkpoint.model, tokens: window.ids, sites: placement.sites,
                                                 parameters: SpikingOptions.parse([]).parameters, rule: CalibrationRule(),
                                                 sourceName: "x", progress: { _ in })
        #expect(defaulted.values == byHand.values)
        let fixed = try SpikingOptions.parse(["--threshold", "1"]).thresholdSet(checkpoint: checkpoint, sites: placement.sites, input: input)
        #expect(fixed.source == "fixed 1.0" && fixed.values.values.allSatisfy { $0.allSatisfy { $0 == 1 } })
    }
}
