import Foundation
import MarsimCore

/// The `marsim` block every `--json` carries: which marsim produced it, with which command, from
/// which checkpoint (the content hash of its tensor files, as traces record it).
struct MarsimProvenance: Encodable, Equatable {
    var version: String = marsimVersion
    /// The subcommand: `simulate`, `eval`, `energy`, `whatif`.
    var command: String
    /// FNV-1a 64 of the checkpoint's tensor files, hex (`TensorStore.contentHash`).
    var checkpoint_hash: String
}

/// A report's JSON object with the shared `marsim` and `neurobench` blocks added beside its keys.
struct ConventionalJSON<Report: Encodable>: Encodable {
    var report: Report
    var marsim: MarsimProvenance
    var neurobench: NeuroBenchMetrics?

    private enum Keys: String, CodingKey { case marsim, neurobench }

    func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(marsim, forKey: .marsim)
        try container.encodeIfPresent(neurobench, forKey: .neurobench)
    }
}

/// How every `--json` is printed: pretty, keys sorted, non-finite numbers as strings.
enum JSONOutput {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static func string(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
