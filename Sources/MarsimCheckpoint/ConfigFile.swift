import Foundation
import MarsimCore

/// Reads a checkpoint's `config.json` into an architecture's `Decodable` config type.
///
/// Hugging Face writes non-standard JSON for infinity: bare `Infinity` (Python's json module) and
/// `{"__float__": "Infinity"}` (transformers' own encoder). Both are accepted: the first by decoding
/// as JSON5, the second by `FlexibleDouble`. Decoding errors become one line naming the key path.
public enum ConfigFile {
    /// Decodes `url` as `T`, mapping failures to `CheckpointError.malformedConfig` naming the file and key.
    public static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data = try read(url)
        if let key = JSONDuplicateKeys.first(in: [UInt8](data)) {
            throw CheckpointError.malformedConfig(path: url.path, reason:
                "has the key '\(key)' twice (JSON readers disagree on which value counts: Python keeps the last, others the first)")
        }
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw CheckpointError.malformedConfig(path: url.path, reason: describe(error, data: data))
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.malformedConfig(path: url.path, reason: "is not valid JSON")
        }
    }

    /// The largest config file marsim reads. Real ones are a few kB; the cap keeps a wrong path
    /// (a weights file, a device) from being read into memory whole.
    public static let maxBytes = 16 << 20

    /// The raw bytes of a config file, or a missing-file error.
    static func read(_ url: URL) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CheckpointError.missingFile(path: url.path, hint: "a checkpoint directory needs config.json")
        }
        if isDirectory.boolValue {
            throw CheckpointError.malformedConfig(path: url.path, reason: "cannot be read: it is a directory")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        if size > maxBytes {
            throw CheckpointError.malformedConfig(path: url.path, reason: "is \(size) bytes, more than the \(maxBytes >> 20) MB a config file may have")
        }
        do { return try Data(contentsOf: url) } catch {
            throw CheckpointError.malformedConfig(path: url.path, reason: "cannot be read: \(error.localizedDescription)")
        }
    }

    /// "missing key 'a.b'", "key 'a.b' has the wrong type (expected Int)" …
    ///
    /// `data` tells a syntax error apart from a number JSONDecoder cannot represent (`4.5` or
    /// `1e300` for an Int key), which it reports as corrupted data without a key path.
    static func describe(_ error: DecodingError, data: Data? = nil) -> String {
        func path(_ codingPath: [CodingKey], _ last: CodingKey? = nil) -> String {
            let keys = (codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case let .keyNotFound(key, context):
            return "missing key '\(path(context.codingPath, key))'"
        case let .typeMismatch(type, context):
            if context.codingPath.isEmpty { return "is not a JSON object" }
            return "key '\(path(context.codingPath))' has the wrong type (expected \(describe(type)))"
        case let .valueNotFound(type, context):
            return "key '\(path(context.codingPath))' is null (expected \(describe(type)))"
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty {
                if let data, (try? JSONSerialization.jsonObject(with: data)) != nil {
                    return "holds a number that does not fit its key's type (a fractional or out-of-range integer?)"
                }
                return "is not valid JSON"
            }
            return "key '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "cannot be decoded"
        }
    }

    /// `Int`, `[Int]`, `Dictionary<String, Any>` → "an integer", "an array of integers", "an object".
    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Double.Type, is FlexibleDouble.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        case is [Int].Type: return "an array of integers"
        case is [String].Type: return "an array of strings"
        case is [FlexibleDouble].Type: return "an array of numbers"
        case is [String: Any].Type: return "an object"
        default: return "\(type)"
        }
    }
}

extension KeyedDecodingContainer {
    /// An integer value. JSONDecoder reports `4.5` or `1e300` for an Int as corrupted data with
    /// no key path; this reports it as a type mismatch at `key`, so the message names the key.
    func decodeInteger(forKey key: Key) throws -> Int {
        do {
            return try decode(Int.self, forKey: key)
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError.typeMismatch(Int.self, .init(codingPath: codingPath + [key], debugDescription: "not an integer"))
        }
    }

    /// An optional integer value (see `decodeInteger(forKey:)`).
    func decodeIntegerIfPresent(forKey key: Key) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeInteger(forKey: key)
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
