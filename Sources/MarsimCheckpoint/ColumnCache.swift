import Foundation

/// Column-major fp32 copies of a checkpoint's projections, kept on disk so that the transpose that
/// event delivery needs (an event on input channel i reads column W[:, i]) is paid once per
/// checkpoint, not once per run: later runs map the file and start at once. The checkpoint's
/// content hash is remembered beside them (`contentHash(of:)`).
///
/// Where: one file per projection, `directory/<dir>-<fingerprint>-<site>-<fanIn>x<fanOut>.columns`
/// (raw little-endian fp32, column after column), `directory` being `--cache-dir`,
/// else `$MARSIM_CACHE_DIR`, else `$XDG_CACHE_HOME/marsim`, else `~/.cache/marsim`. The fingerprint
/// covers the checkpoint's tensor files (path, size, modification time, inode, header bytes) and
/// so a changed, replaced or touched file gives new entries: a cache can
/// be stale only if a file's bytes change while its size, mtime, inode and header stay the same.
/// Entries are written to a temporary file and renamed into place, so a killed build leaves no
/// half-written entry; older entries for the same checkpoint directory are removed.
public struct ColumnCache: Sendable {
    /// Where entries live.
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// The default place (see the type's description).
    public static var defaultDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["MARSIM_CACHE_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appendingPathComponent("marsim") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/marsim")
    }

    /// One projection to cache: a name that identifies it within the checkpoint, and the projection.
    public struct Request {
        public var name: String
        public var projection: Projection
        public init(name: String, projection: Projection) {
            self.name = name
            self.projection = projection
        }
    }

    /// Column-major versions of `requests`' projections (same order), each mapped from its cache
    /// entry for `source`, built first when missing. `built` tells how many this call built.
    public func columnMajor(_ requests: [Request], source: WeightSource) throws -> (projections: [Projection], built: Int) {
        let (dirKey, key) = Self.entryKey(source)
        let prefix = key + "-"
        var built = 0
        var projections: [Projection] = []
        for r in requests {
            let p = r.projection
            let safeName = r.name.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" ? $0 : "_" }
            let url = directory.appendingPathComponent(prefix + String(safeName) + "-\(p.fanIn)x\(p.fanOut).columns")
            if !FileManager.default.fileExists(atPath: url.path) {
                try build(r, at: url)
                built += 1
            }
            let mapping = try MappedFile(url: url)
            guard mapping.count == p.fanIn * p.fanOut * 4 else {
                throw CheckpointError.malformedSafetensors(path: url.path, reason: "column cache entry has \(mapping.count) bytes, expected \(p.fanIn * p.fanOut * 4); delete it to rebuild")
            }
            projections.append(Projection(fanIn: p.fanIn, fanOut: p.fanOut, layout: .columnMajor,
                                          storage: WeightStorage(view: mapping.base, count: p.fanIn * p.fanOut, element: .f32, owner: mapping),
                                          bias: p.bias))
        }
        if built > 0 { removeStale(directoryKey: dirKey, keeping: key) }
        return (projections, built)
    }

    private func build(_ r: Request, at url: URL) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.malformedSafetensors(path: directory.path, reason: "cannot create the column cache directory (use --cache-dir or --no-cache)")
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw CheckpointError.malformedSafetensors(path: temporary.path, reason: "cannot write the column cache: \(String(cString: strerror(errno)))")
        }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(temporary.path) }
        }
        let p = r.projection
        let bytes = p.fanIn * p.fanOut * 4
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
        defer { buffer.deallocate() }
        let floats = buffer.assumingMemoryBound(to: Float.self)
        if p.layout == .columnMajor {
            p.storage.widen(0..<p.storage.count, into: floats)
        } else {
            Projection.transpose(p.storage, rows: p.fanOut, columns: p.fanIn, into: floats)
        }
        p.storage.releasePages()
        var written = 0
        while written < bytes {
            let n = write(fd, buffer + written, bytes - written)
            guard n > 0 else {
                throw CheckpointError.malformedSafetensors(path: temporary.path, reason: "cannot write the column cache: \(String(cString: strerror(errno)))")
            }
            written += n
        }
        guard rename(temporary.path, url.path) == 0 else {
            throw CheckpointError.malformedSafetensors(path: url.path, reason: "cannot finish the column cache entry: \(String(cString: strerror(errno)))")
        }
        ok = true
    }

    /// The checkpoint's content hash (`TensorStore.contentHash`), remembered here under its files'
    /// fingerprint (`<dir>-<fingerprint>.content-hash`) so that later runs skip reading every weight
    /// for it (about 1 s per 5 GB). Trusted exactly as far as the column entries are (see the type).
    /// If the cache cannot be written, the hash is still returned.
    /// - source: the store's `weightSource()` (computed at load: `LanguageModel.source`).
    public func contentHash(of store: TensorStore, source: WeightSource) -> String {
        let (dirKey, prefix) = Self.entryKey(source)
        let url = directory.appendingPathComponent(prefix + ".content-hash")
        if let text = try? String(contentsOf: url, encoding: .utf8), text.count == 16, text.allSatisfy(\.isHexDigit) {
            store.remember(contentHash: text)
            return text
        }
        let hash = store.contentHash()
        if (try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)) != nil,
           (try? hash.write(to: url, atomically: true, encoding: .utf8)) != nil {
            removeStale(directoryKey: dirKey, keeping: prefix)
        }
        return hash
    }

    /// What every entry of `source` is named by: a key of its checkpoint directory (shared by every
    /// version of its files, for removing stale entries), and that key with the files' fingerprint.
    private static func entryKey(_ source: WeightSource) -> (directory: String, version: String) {
        let dirKey = FNV64().adding(source.directory.standardizedFileURL.path).hex
        return (dirKey, "\(dirKey)-\(source.fingerprint)")
    }

    /// Removes entries of the same checkpoint directory made from other versions of its files
    /// (columns and content hash alike; the entries of `version` stay).
    private func removeStale(directoryKey: String, keeping version: String) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasPrefix(directoryKey + "-") && (name.hasSuffix(".columns") || name.hasSuffix(".content-hash"))
            && !name.hasPrefix(version + "-") && !name.hasPrefix(version + ".") {
            try? fm.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}

/// Where a model's weights came from, for caches derived from them: the checkpoint directory and a
/// fingerprint of its tensor files (see `ColumnCache`).
public struct WeightSource: Sendable, Equatable {
    public var directory: URL
    public var fingerprint: String

    public init(directory: URL, fingerprint: String) {
        self.directory = directory
        self.fingerprint = fingerprint
    }
}

/// FNV-1a 64 over strings and bytes: a cheap identity, not a cryptographic hash.
struct FNV64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    }

    mutating func add(_ string: String) {
        var s = string + "\u{0}"
        s.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    func adding(_ string: String) -> FNV64 {
        var copy = self
        copy.add(string)
        return copy
    }

    var hex: String { String(value, radix: 16).leftPadded(to: 16) }
}

extension WeightStorage {
    /// Drops the pages of a mapped storage from this process's resident set (no-op when owned).
    public func releasePages() {
        guard isMapped, let mapping = ownerMapping else { return }
        let start = base - mapping.base
        mapping.release(start..<(start + byteCount))
    }

    /// Maps the pages of a mapped storage into this process ahead of use (no-op when owned): see
    /// `MappedFile.populate`.
    public func populatePages() {
        guard isMapped, let mapping = ownerMapping else { return }
        let start = base - mapping.base
        mapping.populate(start..<(start + byteCount))
    }
}

extension TensorStore {
    /// A fingerprint of the tensor files: each file's name, size, modification time, inode and
    /// header bytes. Cheap (no weight is read); changes whenever a file is rewritten or replaced.
    public func weightSource() -> WeightSource {
        var hash = FNV64()
        for file in files {
            var info = stat()
            if stat(file.url.path, &info) == 0 {
                hash.add("\(file.url.lastPathComponent) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ino) \(info.st_dev)")
            } else {
                hash.add(file.url.lastPathComponent)
            }
            hash.add(file.mapping.bytes(0..<min(file.mapping.count, file.headerEnd)))
        }
        return WeightSource(directory: directory, fingerprint: hash.hex)
    }
}
