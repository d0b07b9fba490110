import MarsimTestSupport
import Foundation
@testable import MarsimCheckpoint

/// One header entry of a safetensors file, with offsets a test may set to anything.
struct HeaderEntry {
    var name: String
    var dtype: String
    var shape: [Int]
    var begin: Int
    var end: Int

    /// The entries `SafetensorsWriter` would write for `tensors` (back to back, in order).
    static func layout(_ tensors: [TestTensor]) -> [HeaderEntry] {
        var offset = 0
        return tensors.map { t in
            defer { offset += t.bytes.count }
            return HeaderEntry(name: t.name, dtype: t.dtype, shape: t.shape, begin: offset, end: offset + t.bytes.count)
        }
    }

    static func headerText(_ entries: [HeaderEntry]) -> String {
        let body = entries.map { e in
            "\(SafetensorsWriter.quote(e.name)):{\"dtype\":\(SafetensorsWriter.quote(e.dtype)),\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(e.begin),\(e.end)]}"
        }
        return "{" + body.joined(separator: ",") + "}"
    }
}

/// The checkpoint a bad-input case starts from.
enum BaseCheckpoint: Sendable {
    case mamba2, bamba, mamba2Sharded

    var files: CheckpointFiles {
        switch self {
        case .mamba2, .mamba2Sharded: return .mamba2()
        case .bamba: return .bamba()
        }
    }

    var shards: Int { self == .mamba2Sharded ? 2 : 1 }
}

/// A way to break a valid checkpoint, and the error it must produce: its `CheckpointError` case,
/// a file name the message must contain and a key phrase.
struct BadInputCase: Sendable, CustomStringConvertible {
    var label: String
    var base: BaseCheckpoint = .mamba2
    /// The `CheckpointError` case name, e.g. `malformedConfig`.
    var kind: String
    /// A file (or directory) name the message must contain.
    var file: String
    /// A phrase the message must contain.
    var phrase: String
    /// Changes config.json or the tensors before writing.
    var files: (@Sendable (inout CheckpointFiles) -> Void)? = nil
    /// Rewrites model.safetensors from its (mutable) header entries and data bytes.
    var layout: (@Sendable (inout [HeaderEntry], inout [UInt8]) -> Void)? = nil
    /// Changes the written directory.
    var disk: (@Sendable (URL) throws -> Void)? = nil

    var description: String { label }

    /// Writes the broken checkpoint into `dir`.
    func write(to dir: URL) throws {
        var checkpoint = base.files
        files?(&checkpoint)
        try checkpoint.write(to: dir, shards: base.shards)
        if let layout {
            var entries = HeaderEntry.layout(checkpoint.tensors)
            var data = checkpoint.tensors.flatMap(\.bytes)
            layout(&entries, &data)
            try SafetensorsWriter.file(header: HeaderEntry.headerText(entries), data: data)
                .write(to: dir.appendingPathComponent("model.safetensors"))
        }
        try disk?(dir)
    }
}

/// Raw edits of files in a checkpoint directory.
enum DiskEdit {
    static func remove(_ name: String) -> @Sendable (URL) throws -> Void {
        { dir in try FileManager.default.removeItem(at: dir.appendingPathComponent(name)) }
    }

    static func write(_ name: String, _ text: String) -> @Sendable (URL) throws -> Void {
        { dir in try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
    }

    /// Replaces model.safetensors by `transform` of its bytes.
    static func bytes(_ transform: @escaping @Sendable ([UInt8]) -> [UInt8]) -> @Sendable (URL) throws -> Void {
        { dir in
            let url = dir.appendingPathComponent("model.safetensors")
            try Data(transform(Array(try Data(contentsOf: url)))).write(to: url)
        }
    }

    /// Replaces model.safetensors' header text, keeping its data (the length field is updated).
    static func header(_ transform: @escaping @Sendable (String) -> String) -> @Sendable (URL) throws -> Void {
        bytes { file in
            let length = Int(file[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
            let header = String(decoding: file[8..<(8 + length)], as: UTF8.self)
            return Array(SafetensorsWriter.file(header: transform(header), data: Array(file[(8 + length)...])))
        }
    }

    /// Sets the 8-byte header length field.
    static func lengthField(_ value: UInt64) -> @Sendable (URL) throws -> Void {
        bytes { file in withUnsafeBytes(of: value.littleEndian) { Array($0) } + file[8...] }
    }

    /// Edits the shard index as a JSON object.
    static func index(_ edit: @escaping @Sendable (inout [String: Any]) -> Void) -> @Sendable (URL) throws -> Void {
        { dir in
            let url = dir.appendingPathComponent("model.safetensors.index.json")
            var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            edit(&object)
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: url)
        }
    }

    /// Edits the index's weight_map.
    static func weightMap(_ edit: @escaping @Sendable (inout [String: String]) -> Void) -> @Sendable (URL) throws -> Void {
        index { object in
            var map = object["weight_map"] as! [String: String]
            edit(&map)
            object["weight_map"] = map
        }
    }
}

extension CheckpointError {
    /// The case name (`missingFile`, `malformedConfig` …), for tests that match on the case only.
    var caseName: String { Mirror(reflecting: self).children.first?.label ?? "\(self)" }
}
