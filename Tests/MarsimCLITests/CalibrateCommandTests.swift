import Foundation
@testable import MarsimCLI
import MarsimTestSupport
import Testing

/// `marsim calibrate`: the file it writes is what `simulate --thresholds` runs with, bit for bit.
@Suite("Calibrate command")
struct CalibrateCommandTests {
    static let checkpoint = InspectCommandTests.tinyLlambaBytes.path
    static let heldout = InspectCommandTests.tinyLlambaBytes.appendingPathComponent("heldout.txt").path

    @Test("simulate --thresholds FILE runs exactly as simulate calibrating in memory with the same rule", arguments: ["output", "quantile"])
    func fileRunEqualsInMemoryRun(rule: String) throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("t.safetensors").path
        let learning = ["--calibration-steps", "8", "--calibration-batch", "32", "--calibration-seed", "3"]
        try CLI.run(["calibrate", "--checkpoint", Self.checkpoint, "--calibration-text", Self.heldout, "--calibration-skip", "1024",
                     "--calibration-limit", "96", "--rule", rule, "-T", "3", "--out", file, "--json"] + learning)
        let fromFile = directory.file("file.safetensors").path, inMemory = directory.file("memory.safetensors").path
        let run = ["simulate", "--checkpoint", Self.checkpoint, "--text-file", Self.heldout, "--limit", "40", "-T", "3", "--json"]
        try CLI.run(run + ["--thresholds", file, "--save-logits", fromFile])
        try CLI.run(run + ["--calibration-text", Self.heldout, "--calibration-skip", "1024", "--calibration-limit", "96",
                           "--calibration-rule", rule, "--save-logits", inMemory] + learning)
        let a = try #require(CLI.bytes(fromFile)), b = try #require(CLI.bytes(inMemory))
        #expect(a == b)
    }

    @Test("bad calibrate command lines fail with one line naming the problem")
    func badInput() throws {
        CLI.expectFailure(["calibrate", "--checkpoint", Self.checkpoint, "--calibration-text", Self.heldout], "--out")
        CLI.expectFailure(["calibrate", "--checkpoint", Self.checkpoint, "--out", "/tmp/x.safetensors"], "--calibration-text or --input-ids")
        CLI.expectFailure(["calibrate", "--checkpoint", Self.checkpoint, "--calibration-text", Self.heldout, "--calibration-skip", "5000",
                           "--out", "/tmp/x.safetensors"], "none left after skipping 5000")
        CLI.expectFailure(["calibrate", "--checkpoint", Self.checkpoint, "--calibration-text", Self.heldout, "--rule", "magic",
                           "--out", "/tmp/x.safetensors"], "magic")
        CLI.expectFailure(["calibrate", "--checkpoint", Self.checkpoint, "--input-ids", "1,2,999", "--out", "/tmp/x.safetensors"], "999")
    }
}
