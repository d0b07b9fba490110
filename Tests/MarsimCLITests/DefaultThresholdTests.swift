import Foundation
import MarsimCheckpoint
@testable import MarsimCLI
import MarsimCore
import MarsimEngine
import MarsimStudy
import MarsimTestSupport
import Testing

/// A spiking run that names no thresholds calibrates on the checkpoint's own text (or the run's
/// input) and says so, instead of silently using V = 1 for every neuron (the window itself:
/// MarsimStudyTests' `DefaultCalibrationTests`).
@Suite("Default thresholds")
struct DefaultThresholdTests {
    static let heldout = InspectCommandTests.tinyLlambaBytes.appendingPathComponent("heldout.txt").path

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
