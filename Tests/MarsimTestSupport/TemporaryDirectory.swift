import Foundation

/// A fresh directory under the system's temporary directory, removed by `remove()`.
public struct TemporaryDirectory {
    public let url: URL

    public init(_ label: String = "ckpt") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("marsim-tests-\(UUID().uuidString.prefix(8))")
            .appendingPathComponent(label)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func remove() { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}
