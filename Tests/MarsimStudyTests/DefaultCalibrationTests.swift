import Foundation
import MarsimCheckpoint
import MarsimReport
import MarsimStudy
import MarsimTestSupport
import Testing

/// Where a spiking run that names no thresholds calibrates: the checkpoint's own text, after the
/// tokens the run evaluates when it reads that same file, else the run's input (flagged).
@Suite("Default calibration window")
struct DefaultCalibrationTests {
    static let tinyLlambaBytes = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("checkpoints/tiny-llamba-bytes")
    static let heldout = tinyLlambaBytes.appendingPathComponent("heldout.txt").path

    @Test("The embedded checkpoint's heldout.txt is the default calibration text; a run on that file calibrates after its tokens")
    func checkpointText() throws {
        let checkpoint = try Checkpoint.load(Self.tinyLlambaBytes)
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
        let copy = dir.file("checkpoint").path
        try FileManager.default.copyItem(atPath: Self.tinyLlambaBytes.path, toPath: copy)
        try FileManager.default.removeItem(atPath: copy + "/heldout.txt")
        let checkpoint = try Checkpoint.load(URL(fileURLWithPath: copy))
        let window = try DefaultCalibration.window(checkpoint: checkpoint, input: .init(ids: [72, 105, 33], name: "the prompt", file: nil), limit: 2)
        #expect(window.ids == [72, 105] && window.sourceName == "the prompt tokens 0–1" && window.overlapsInput)
        #expect(throws: CLIError.self) { try DefaultCalibration.window(checkpoint: checkpoint, input: nil, limit: 8) }
    }
}
