import Foundation

/// A hardware profile that cannot be used, reported as one line: `file:line: key: message`.
///
/// The line is 1-based and points at the offending key in the TOML source. For a missing entry it
/// points at the table that should contain it (line 1 when that table is missing too). TOMLKit does
/// not report where keys are, so the loader finds them in the source text itself (`TOMLKeyLocator`).
public struct ProfileError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// What went wrong, so callers and tests can tell failures apart without parsing the message.
    public enum Reason: String, Sendable, Equatable {
        case unreadableFile
        case malformedTOML
        case unknownKey
        case missingEntry
        case wrongType
        case negativeValue
        case missingUnit
        case unknownUnit
        case wrongUnit
        case invalidValue
        case unsupportedSchema
        case unknownLevel
        /// An entry's `range` is not two quantities of its dimension with low ≤ value ≤ high.
        case invalidRange
    }

    public var reason: Reason
    /// The profile file as given (or a label such as `<string>` for in-memory text).
    public var file: String
    /// 1-based line in the file.
    public var line: Int
    /// Dotted key path, e.g. `compute.mac.value`; `(document)` when no key applies.
    public var key: String
    /// What is wrong and, where useful, what to write instead.
    public var message: String

    public init(reason: Reason, file: String, line: Int, key: String, message: String) {
        self.reason = reason
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `file:line: key: message`, always one line (newlines in a parser's message become spaces).
    public var description: String {
        "\(file):\(line): \(key): \(message)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }
    public var errorDescription: String? { description }
}
