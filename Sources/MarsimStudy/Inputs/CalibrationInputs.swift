import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport

/// The tokens thresholds are calibrated on: a window of a text (or of given ids), and its name for
/// threshold sources and reports (`heldout.txt tokens 1024–2048`), so every result says which
/// tokens it was calibrated on.
public struct CalibrationTokens {
    public var ids: [Int]
    public var sourceName: String

    /// Tokens `skip ..< skip + limit` of `ids`, named after `source`.
    public init(ids all: [Int], source: String, skip: Int, limit: Int) throws {
        guard skip < all.count else {
            throw CLIError("\(source): the calibration text has \(all.count) tokens, none left after skipping \(skip)")
        }
        ids = Array(all[skip..<min(all.count, skip + limit)])
        sourceName = "\(source) tokens \(skip)–\(skip + ids.count - 1)"
    }

    /// Reads and encodes `file` for `checkpoint`, then takes the window.
    public init(file: String, checkpoint: Checkpoint, skip: Int, limit: Int) throws {
        let text = try InputFile.readText(file, label: "calibration text")
        try self.init(ids: try TextEncoding.encode(text, source: file, checkpoint: checkpoint).ids, source: file, skip: skip, limit: limit)
    }
}

/// Where thresholds come from when a spiking run names none: the checkpoint's own calibration
/// text (`calibration.txt`, else `heldout.txt`, in its directory) — skipping the tokens the run
/// evaluates when the run reads that same file — else the run's own tokens.
public enum DefaultCalibration {
    /// The files looked for in a checkpoint directory, in order.
    public static let fileNames = ["calibration.txt", "heldout.txt"]

    /// The run's tokens, and the text file they came from (nil for --text, --input-ids, prompts, tasks).
    public struct Input {
        public var ids: [Int]
        public var name: String
        public var file: String?

        public init(ids: [Int], name: String, file: String?) {
            self.ids = ids
            self.name = name
            self.file = file
        }
    }

    /// The tokens to calibrate on, and their name for the threshold source.
    public struct Window {
        public var ids: [Int]
        public var sourceName: String
        /// Whether the window is (part of) the tokens the run evaluates.
        public var overlapsInput: Bool
    }

    /// The calibration window for `checkpoint` and `input`, at most `limit` tokens.
    public static func window(checkpoint: Checkpoint, input: Input?, limit: Int) throws -> Window {
        let shipped = fileNames.map { checkpoint.directory.appendingPathComponent($0).path }
            .first { FileManager.default.fileExists(atPath: $0) }
        if let shipped {
            let ids = try TextEncoding.encode(try InputFile.readText(shipped, label: "calibration text"), source: shipped, checkpoint: checkpoint).ids
            let name = "the checkpoint's " + (shipped as NSString).lastPathComponent
            let sameFile = input?.file.map { FileIdentity(path: $0) == FileIdentity(path: shipped) } ?? false
            // The run reads this very file: calibrate on the tokens after the ones it evaluates.
            if let input, sameFile, input.ids.count < ids.count {
                let window = try CalibrationTokens(ids: ids, source: name, skip: input.ids.count, limit: limit)
                return Window(ids: window.ids, sourceName: window.sourceName, overlapsInput: false)
            }
            let window = try CalibrationTokens(ids: ids, source: name, skip: 0, limit: limit)
            return Window(ids: window.ids, sourceName: window.sourceName, overlapsInput: sameFile)
        }
        guard let input, !input.ids.isEmpty else {
            throw CLIError("no thresholds given and nothing to calibrate on: give --thresholds FILE, --calibration-text FILE or --threshold V")
        }
        let window = try CalibrationTokens(ids: input.ids, source: input.name, skip: 0, limit: limit)
        return Window(ids: window.ids, sourceName: window.sourceName, overlapsInput: true)
    }
}

extension ThresholdSet {
    /// Throws unless every threshold is a positive finite number: scaling (`--threshold-scale`)
    /// can overflow to infinity or underflow to zero, and a neuron with such a threshold never or
    /// always fires, silently.
    public func checkedFinite() throws -> ThresholdSet {
        for (site, values) in values.sorted(by: { $0.key.name < $1.key.name }) {
            if let index = values.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw CLIError("thresholds (\(source)): \(site.name) channel \(index) is \(values[index]), not a positive finite number "
                               + "(check --threshold-scale and the threshold source)")
            }
        }
        return self
    }
}
