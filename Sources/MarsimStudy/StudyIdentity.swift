import Foundation

/// What makes two runs parts of one study: the command, every setting that changes a result, the
/// content digests of its inputs, and how many work units the whole study has.
///
/// Every shard records the full study's identity (not just its own share), so a merge can tell
/// shards of one study from look-alikes: a different grid, text, checkpoint or profile gives a
/// different `hash`. Settings that cannot change a result (threads, output folder, progress) are
/// left out, so shards run on different machines still match.
public struct StudyIdentity: Sendable, Equatable, Codable {
    /// The command: `whatif` or `eval`.
    public var kind: String
    /// Setting name → value, e.g. `timesteps` → `1,2,4`, `text_digest` → FNV-1a 64 of the text.
    public var parameters: [String: String]
    /// Work units of the whole study (what-if: the dense reference + configurations; eval: items).
    public var units: Int

    public init(kind: String, parameters: [String: String], units: Int) {
        self.kind = kind
        self.parameters = parameters
        self.units = units
    }

    /// The identity as canonical JSON: sorted keys, no whitespace.
    public func canonicalJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// FNV-1a 64 of `canonicalJSON()`.
    public var hash: String { ContentDigest.of(canonicalJSON()) }

    /// The parameters that differ from `other`'s, as `name (a vs b)`, for a mixed-study message.
    public func differences(from other: StudyIdentity) -> [String] {
        var out: [String] = []
        if kind != other.kind { out.append("command (\(kind) vs \(other.kind))") }
        if units != other.units { out.append("work units (\(units) vs \(other.units))") }
        for key in Set(parameters.keys).union(other.parameters.keys).sorted() where parameters[key] != other.parameters[key] {
            out.append("\(key) (\(parameters[key] ?? "unset") vs \(other.parameters[key] ?? "unset"))")
        }
        return out
    }
}
