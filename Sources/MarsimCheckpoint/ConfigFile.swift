import Foundation

/// Reads a checkpoint's `config.json` into an architecture's `Decodable` config type.
///
/// Hugging Face writes non-standard JSON for infinity: bare `Infinity` (Python's json module) and
/// `{"__float__": "Infinity"}` (transformers' own encoder). Both are accepted: the first by decoding
/// as JSON5, the second by `FlexibleDouble`. Decoding errors become one line naming the key path.
public enum ConfigFile {
    /// Decodes `url` as `T`, mapping failures to `CheckpointError.malformedConfig` naming the file and key.
    public static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data = try read(url)
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw CheckpointError.malformedConfig(path: url.path, reason: describe(error))
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.malformedConfig(path: url.path, reason: "is not valid JSON")
        }
    }

    /// The raw bytes of a config file, or a missing-file error.
    static func read(_ url: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError.missingFile(path: url.path, hint: "a checkpoint directory needs config.json")
        }
        do { return try Data(contentsOf: url) } catch {
            throw CheckpointError.malformedConfig(path: url.path, reason: "cannot be read: \(error.localizedDescription)")
        }
    }

    /// "missing key 'a.b'", "key 'a.b' has the wrong type (expected Int)" …
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [CodingKey], _ last: CodingKey? = nil) -> String {
            let keys = (codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case let .keyNotFound(key, context):
            return "missing key '\(path(context.codingPath, key))'"
        case let .typeMismatch(type, context):
            return "key '\(path(context.codingPath))' has the wrong type (expected \(type))"
        case let .valueNotFound(type, context):
            return "key '\(path(context.codingPath))' is null (expected \(type))"
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty { return "is not valid JSON" }
            return "key '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "cannot be decoded"
        }
    }
}

/// A number in config.json that may be written as a JSON number, `Infinity`, or `{"__float__": "Infinity"}`.
public struct FlexibleDouble: Decodable, Sendable, Equatable {
    public var value: Double

    public init(_ value: Double) { self.value = value }

    private struct Wrapped: Decodable {
        var __float__: String
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        let text: String
        if let wrapped = try? container.decode(Wrapped.self) {
            text = wrapped.__float__
        } else if let string = try? container.decode(String.self) {
            text = string
        } else {
            throw DecodingError.typeMismatch(Double.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a number"))
        }
        switch text.lowercased() {
        case "infinity", "inf", "+infinity", "+inf": value = .infinity
        case "-infinity", "-inf": value = -.infinity
        case "nan": value = .nan
        default:
            guard let number = Double(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a number"))
            }
            value = number
        }
    }
}
