import Foundation

/// Reading a whole input file (a text, a task list, a profile) with one-line errors naming it.
///
/// Only regular files are read: a FIFO would block forever, a device could be endless, a
/// directory has no contents. Files are capped at `maxBytes` so a wrong path cannot exhaust memory.
public enum InputFile {
    /// The largest input read whole (1 GiB).
    public static let defaultMaxBytes = 1 << 30

    /// The bytes of the regular file at `path`.
    ///
    /// - Throws: `InputFileError` ("<path>: no such file", "… is a directory", "… is a FIFO …",
    ///   "… is empty" when `allowEmpty` is false, "… is larger than …").
    public static func read(_ path: String, label: String, allowEmpty: Bool = true, maxBytes: Int = defaultMaxBytes) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw InputFileError(path, errno == ENOENT ? "no such file" : "cannot read the \(label): \(String(cString: strerror(errno)))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw InputFileError(path, "the \(label) is a directory")
        case S_IFIFO: throw InputFileError(path, "the \(label) is a FIFO (named pipe); give a regular file")
        default: throw InputFileError(path, "the \(label) is not a regular file")
        }
        guard Int(info.st_size) <= maxBytes else {
            throw InputFileError(path, "the \(label) is \(info.st_size) bytes, more than the \(maxBytes >> 20) MiB marsim reads")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let ns = error as NSError
            let underlying = (ns.userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) }
            throw InputFileError(path, "cannot read the \(label): \(underlying ?? "read error")")
        }
        if data.isEmpty && !allowEmpty { throw InputFileError(path, "the \(label) is empty") }
        return data
    }

    /// The file's contents as text (invalid UTF-8 sequences are replaced).
    public static func readText(_ path: String, label: String, allowEmpty: Bool = false) throws -> String {
        String(decoding: try read(path, label: label, allowEmpty: allowEmpty), as: UTF8.self)
    }
}

/// An input file that cannot be read; one line naming it.
public struct InputFileError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public let path: String
    public let reason: String
    public init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}
