import Foundation
import MarsimCore

/// The `marsim` block every `--json` carries: which marsim produced it, with which command, from
/// which checkpoint (the content hash of its tensor files, as traces record it).
public struct MarsimProvenance: Encodable, Equatable {
    public var version: String = marsimVersion
    /// The subcommand: `simulate`, `eval`, `energy`, `whatif`.
    public var command: String
    /// FNV-1a 64 of the checkpoint's tensor files, hex (`TensorStore.contentHash`).
    public var checkpoint_hash: String

    public init(command: String, checkpoint_hash: String) {
        self.command = command
        self.checkpoint_hash = checkpoint_hash
    }
}

/// A report's JSON object with the shared `marsim` and `neurobench` blocks added beside its keys.
public struct ConventionalJSON<Report: Encodable>: Encodable {
    public var report: Report
    public var marsim: MarsimProvenance
    public var neurobench: NeuroBenchMetrics?

    public init(report: Report, marsim: MarsimProvenance, neurobench: NeuroBenchMetrics? = nil) {
        self.report = report
        self.marsim = marsim
        self.neurobench = neurobench
    }

    private enum Keys: String, CodingKey { case marsim, neurobench }

    public func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(marsim, forKey: .marsim)
        try container.encodeIfPresent(neurobench, forKey: .neurobench)
    }
}

/// How every `--json` is printed: pretty, keys sorted, non-finite numbers as strings.
public enum JSONOutput {
    /// The encoder behind `string`.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// `value` as `--json` prints it.
    public static func string(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// `value` as indented JSON with sorted keys (the reports of `calibrate`, whose numbers are all finite).
public func prettyJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Wall-clock timing of a command, reported in JSON: load (checkpoint and thresholds) apart from the run.
public struct RunTiming: Encodable {
    public var load_s: Double
    public var run_s: Double
    public var tokens: Int
    public var ms_per_token: Double

    public init(load: Double, run: Double, tokens: Int) {
        load_s = load
        run_s = run
        self.tokens = tokens
        ms_per_token = tokens == 0 ? 0 : run * 1000 / Double(tokens)
    }
}
