import Foundation

/// Why an output file cannot be written where asked. One line naming the file.
public struct OutputFileError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file concerned.
    public let path: String
    /// What is wrong, without the path.
    public let reason: String
    public init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}

/// The identity of an existing file (device and inode, after following symbolic links): two paths
/// with the same identity are the same file, however they are spelled (hard links, symlinks, `./`).
public struct FileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64

    /// The identity of the file at `path`, or nil when nothing is there.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// Rules every marsim output follows, so that a run never destroys its inputs or other data:
///
/// - An output is written under a temporary name beside its target and renamed over the target
///   only when complete (`AtomicOutputFile`); a failed or killed run leaves the target as it was.
/// - The target must be absent or a regular file. A **symbolic link is refused**, not written
///   through: replacing by rename would replace the link itself, and writing through it would
///   let a link point an output at anything (a device, a checkpoint file). Directories, devices,
///   FIFOs and sockets are refused too.
/// - An output may not be one of the run's inputs, nor the same file as another output of the
///   same run (`OutputPlan`).
public enum OutputTarget {
    /// Throws unless `path` may be created or replaced by an output (see the rules above).
    public static func check(_ path: String, label: String = "output") throws {
        guard !path.isEmpty else { throw OutputFileError(label, "empty file name") }
        var info = stat()
        if lstat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFLNK:
                throw OutputFileError(path, "the \(label) is a symbolic link; marsim does not write through links "
                                      + "(give the file it points to, or another name)")
            case S_IFDIR: throw OutputFileError(path, "the \(label) is a directory")
            default: throw OutputFileError(path, "the \(label) is not a regular file (a device, FIFO or socket); refusing to replace it")
            }
        } else if errno != ENOENT {
            throw OutputFileError(path, "cannot use it as the \(label): \(String(cString: strerror(errno)))")
        }
        let parent = directory(of: path)
        var parentInfo = stat()
        guard stat(parent, &parentInfo) == 0 else {
            let reason = errno == ENOENT ? "its directory \(parent) does not exist" : "\(parent): \(String(cString: strerror(errno)))"
            throw OutputFileError(path, "cannot create the \(label): \(reason)")
        }
        guard parentInfo.st_mode & S_IFMT == S_IFDIR else {
            throw OutputFileError(path, "cannot create the \(label): \(parent) is not a directory")
        }
    }

    /// The directory holding `path` ("." for a bare file name).
    public static func directory(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    /// A spelling of `path` that is the same for every way of naming the same location, even when
    /// the file does not exist yet: the real path of its directory plus its name.
    public static func canonical(_ path: String) -> String {
        let parent = directory(of: path)
        let name = (path as NSString).lastPathComponent
        guard let resolved = realpath(parent, nil) else { return (path as NSString).standardizingPath }
        defer { free(resolved) }
        return String(cString: resolved) + "/" + name
    }

    /// Creates a new empty file beside `path` under a fresh hidden name (`O_EXCL`, mode 0666 minus
    /// the umask, like any created file) and returns its path and open descriptor.
    public static func createTemporary(beside path: String) throws -> (path: String, descriptor: Int32) {
        let parent = directory(of: path)
        let name = (path as NSString).lastPathComponent
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0 ... .max), radix: 36)
            let candidate = parent + "/." + name + ".marsim-" + suffix + ".tmp"
            let descriptor = open(candidate, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor >= 0 { return (candidate, descriptor) }
            if errno != EEXIST {
                throw OutputFileError(path, "cannot create a temporary file beside it: \(String(cString: strerror(errno)))")
            }
        }
        throw OutputFileError(path, "cannot create a temporary file beside it (names kept colliding)")
    }

    /// Creates the directory `path` and any missing parents (`mkdir -p`); an existing directory is
    /// fine. Errors name the component that failed and the system's reason.
    public static func createDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            var info = stat()
            if stat(prefix, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw OutputFileError(path, "cannot create the folder: \(prefix) is a file, not a folder")
                }
                continue
            }
            guard mkdir(prefix, 0o777) == 0 || errno == EEXIST else {
                throw OutputFileError(path, "cannot create the folder \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Renames the finished `temporary` over `path`, after checking again that `path` is still
    /// absent or a regular file. The rename is atomic: readers see the old file or the new one.
    public static func publish(_ temporary: String, to path: String, label: String = "output") throws {
        try check(path, label: label)
        guard rename(temporary, path) == 0 else {
            throw OutputFileError(path, "cannot replace it with the finished \(label) \(temporary): \(String(cString: strerror(errno)))")
        }
    }
}

/// A file written in full under a temporary name beside its target, then renamed over the target
/// by `commit()`. Until then the target is untouched; `discard()` (or deinit without `commit`)
/// removes the temporary file. Write errors (a full disk, a quota) are one-line errors naming the
/// target, and leave the target as it was.
public final class AtomicOutputFile {
    /// Where the file ends up.
    public let path: String
    /// Where it is written until `commit()`.
    public let temporaryPath: String
    private let label: String
    private var descriptor: Int32
    private var finished = false

    /// Checks `path` (see `OutputTarget.check`) and creates the temporary file beside it.
    public init(path: String, label: String = "output") throws {
        try OutputTarget.check(path, label: label)
        self.path = path
        self.label = label
        (temporaryPath, descriptor) = try OutputTarget.createTemporary(beside: path)
    }

    /// Appends `bytes` at the end of what was written.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !finished else { throw OutputFileError(path, "\(label) already finished") }
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                discard()
                throw OutputFileError(path, "writing the \(label) failed: \(reason); the file was not changed")
            }
            offset += written
        }
    }

    /// Appends `data`.
    public func write(_ data: Data) throws { try data.withUnsafeBytes { try write($0) } }

    /// Overwrites bytes already written, at `offset` (e.g. a header whose final values are known
    /// only at the end), then cuts the file to `length` bytes.
    public func rewrite(_ bytes: [UInt8], at offset: Int, truncatingTo length: Int) throws {
        guard !finished else { throw OutputFileError(path, "\(label) already finished") }
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == bytes.count, ftruncate(descriptor, off_t(length)) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw OutputFileError(path, "writing the \(label) failed: \(reason); the file was not changed")
        }
    }

    /// Appends `text` as UTF-8.
    public func write(_ text: String) throws { try write(Data(text.utf8)) }

    /// Closes the file and renames it over `path`.
    public func commit() throws {
        guard !finished else { return }
        finished = true
        let status = close(descriptor)
        descriptor = -1
        guard status == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputFileError(path, "writing the \(label) failed: \(reason); the file was not changed")
        }
        do {
            try OutputTarget.publish(temporaryPath, to: path, label: label)
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }

    /// Removes the temporary file; the target stays as it was.
    public func discard() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
    }

    deinit { discard() }

    /// Writes `text` to `path` through a temporary file (see the type's rules).
    public static func write(_ text: String, to path: String, label: String = "output") throws {
        let file = try AtomicOutputFile(path: path, label: label)
        try file.write(text)
        try file.commit()
    }
}

/// The files a command reads and writes, checked together before anything is written: every
/// output must be a usable target (`OutputTarget.check`), no output may be an input (compared by
/// file identity, so links and other spellings are caught), and no two outputs may be the same
/// location.
public struct OutputPlan {
    private var inputs: [(label: String, path: String)] = []
    private var outputs: [(label: String, path: String, companion: Bool)] = []

    public init() {}

    /// Records a file the command reads.
    public mutating func input(_ path: String?, _ label: String) {
        if let path { inputs.append((label, path)) }
    }

    /// Records every regular file directly inside `directory` as an input (a checkpoint's files).
    public mutating func inputDirectory(_ directory: String, _ label: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names { inputs.append((label + " file " + name, directory + "/" + name)) }
    }

    /// Records a file the command writes (with `companions`: other names it occupies, such as a
    /// trace's `.partial` journal).
    public mutating func output(_ path: String?, _ label: String, companions: [String] = []) {
        guard let path else { return }
        outputs.append((label, path, false))
        for companion in companions { outputs.append((label + " (" + path + companion + ")", path + companion, true)) }
    }

    /// Throws the first conflict, as one line naming the file.
    public func check() throws {
        var inputIdentities: [FileIdentity: String] = [:]
        for input in inputs {
            if let identity = FileIdentity(path: input.path), inputIdentities[identity] == nil {
                inputIdentities[identity] = input.label
            }
        }
        var seen: [String: String] = [:]
        var seenIdentities: [FileIdentity: String] = [:]
        for output in outputs {
            if let identity = FileIdentity(path: output.path) {
                if let input = inputIdentities[identity] {
                    throw OutputFileError(output.path, "the \(output.label) would overwrite the \(input), an input of this run")
                }
                if let other = seenIdentities[identity] {
                    throw OutputFileError(output.path, "the \(output.label) and the \(other) are the same file")
                }
                seenIdentities[identity] = output.label
            }
            let canonical = OutputTarget.canonical(output.path)
            if let other = seen[canonical] {
                throw OutputFileError(output.path, "the \(output.label) and the \(other) are the same file")
            }
            seen[canonical] = output.label
        }
        for output in outputs where !output.companion {
            try OutputTarget.check(output.path, label: output.label)
        }
    }
}

/// A file name derived from text marsim does not control (a profile's `name`, a placement): only
/// letters, digits, `.`, `_`, `-` and `+` are kept, others become `_`; no leading dot; at most 100
/// characters. So a name can never leave its folder (`../x`), hide, or be empty.
public func sanitizedFileName(_ text: String) -> String {
    var result = String(text.unicodeScalars.map { scalar -> Character in
        let allowed = (scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar))) || "._-+".unicodeScalars.contains(scalar)
        return allowed ? Character(scalar) : "_"
    })
    while result.hasPrefix(".") { result = "_" + result.dropFirst() }
    if result.isEmpty { result = "_" }
    return String(result.prefix(100))
}
