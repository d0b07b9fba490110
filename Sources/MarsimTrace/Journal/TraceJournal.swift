import Foundation
import MarsimCore

/// The append-only file a `TraceWriter` streams a run into (`<trace>.partial`), and from which
/// the HDF5 trace is built when the run ends. Why it exists: see "Crash safety" in `TraceFormat`.
///
/// Layout (little-endian):
///
///     header:  "MARSIMTJ"  u32 version  u32 0  u64 H  u64 checksum(JSON)  H bytes of JSON
///              (JSON: {"level", "spike_compression", "metadata"} — the run's `RunMetadata`)
///     records: "MTJR"  u32 tokens  u64 L  u64 checksum(tokens, L, payload)  L bytes of payload
///              (payload: the record's tokens one after another, `JournalCodec`)
///
/// Nothing is ever rewritten: the writer only appends whole records with one `write(2)` each
/// (retried on short writes). A record counts only if it is complete and its checksum matches, and
/// readers stop at the first one that is not, so a process killed at any moment — even inside a
/// `write` — leaves a journal whose valid records are exactly the tokens flushed before the kill.
enum TraceJournal {
    static let magic: [UInt8] = Array("MARSIMTJ".utf8)
    static let recordMagic: [UInt8] = Array("MTJR".utf8)
    /// 2: counters follow `Counter.all` (with `spike_payload_bits`), metadata JSON has the neuron record.
    /// 3: `membrane_updates` joined the counters.
    static let version: UInt32 = 3
    /// File-name suffix of a trace's journal.
    static let suffix = ".partial"
    /// Bytes of the fixed part of the header and of each record's header.
    static let headerPrefixBytes = 32
    static let recordHeaderBytes = 24
    /// The largest header or record a reader accepts (a writer's records are bounded by its flush
    /// policy: 2^18 events ≈ 1.5 MB by default).
    static let maxHeaderBytes = 1 << 30
    static let maxRecordBytes = 1 << 31

    struct Header: Codable {
        var level: TraceLevel
        var spikeCompression: SpikeCompression
        var metadata: RunMetadata

        enum CodingKeys: String, CodingKey {
            case level, spikeCompression = "spike_compression", metadata
        }
    }

    /// Whether `path` starts with the journal magic (false for unreadable or short files).
    static func isJournal(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        var bytes = [UInt8](repeating: 0, count: magic.count)
        return pread(descriptor, &bytes, bytes.count, 0) == bytes.count && bytes == magic
    }
}

// MARK: - Writing

/// An open journal: created exclusively, locked (`flock`) for as long as it is open, appended to.
final class JournalWriter {
    let path: String
    private var descriptor: Int32
    /// Bytes of valid journal written so far (the end of the last whole record).
    private(set) var validBytes: Int = 0

    /// Creates `path` (which must not exist), locks it and writes the header.
    ///
    /// The header is written to a hidden temporary file that is then hard-linked to `path` (which
    /// fails if `path` exists, atomically), so a journal at `path` always holds a whole header: a
    /// kill before that leaves no journal at all, only the hidden temporary file.
    ///
    /// - Throws: `TraceError.cannotCreate` when it cannot be created; `.inUse` when it exists
    ///   (another run writing the same trace, or a killed run's journal that must not be lost).
    init(path: String, trace: String, header: TraceJournal.Header) throws {
        self.path = path
        if FileManager.default.fileExists(atPath: path) || (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil {
            throw Self.existingJournalError(path: path, trace: trace)
        }
        let json: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            json = try encoder.encode(header)
        } catch {
            throw TraceError.invalidInput(path: trace, reason: "the run's metadata cannot be recorded (\(error))")
        }
        let temporary: (path: String, descriptor: Int32)
        do {
            temporary = try OutputTarget.createTemporary(beside: path)
        } catch let error as OutputFileError {
            throw TraceError.cannotCreate(path: trace, reason: "cannot create its journal \(path): \(error.reason)")
        }
        descriptor = temporary.descriptor
        defer { unlink(temporary.path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            Foundation.close(descriptor)
            throw TraceError.inUse(path: trace, reason: "its journal \(path) is locked by another process")
        }
        var out = ByteWriter()
        out.bytes.append(contentsOf: TraceJournal.magic)
        out.append(TraceJournal.version)
        out.append(UInt32(0))
        out.append(UInt64(json.count))
        out.append(JournalChecksum.of([UInt8](json)))
        out.bytes.append(contentsOf: json)
        do {
            try appendRaw(out.bytes)
        } catch {
            Foundation.close(descriptor)
            throw error
        }
        if link(temporary.path, path) == 0 { return }
        let reason = errno
        Foundation.close(descriptor)
        if reason == EEXIST { throw Self.existingJournalError(path: path, trace: trace) }
        guard reason == EPERM || reason == EOPNOTSUPP || reason == ENOSYS else {
            throw TraceError.cannotCreate(path: trace, reason: "cannot create its journal \(path): \(String(cString: strerror(reason)))")
        }
        // A file system without hard links: create the journal in place (a kill during these few
        // bytes leaves a journal without a whole header, which readers report as holding nothing).
        descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw Self.existingJournalError(path: path, trace: trace) }
            throw TraceError.cannotCreate(path: trace, reason: "cannot create its journal \(path): \(String(cString: strerror(errno)))")
        }
        flock(descriptor, LOCK_EX | LOCK_NB)
        validBytes = 0
        do {
            try appendRaw(out.bytes)
        } catch {
            Foundation.close(descriptor)
            unlink(path)
            throw error
        }
    }

    /// Appends one record of `tokens` tokens whose encoded bytes are `payload`.
    ///
    /// On failure (e.g. a full disk) the file is cut back to its last whole record (best effort;
    /// readers ignore a partial record anyway) and the error names the system's reason.
    func appendRecord(tokens: Int, payload: [UInt8]) throws {
        var out = ByteWriter()
        out.bytes.reserveCapacity(TraceJournal.recordHeaderBytes + payload.count)
        out.bytes.append(contentsOf: TraceJournal.recordMagic)
        out.append(UInt32(tokens))
        out.append(UInt64(payload.count))
        out.append(JournalChecksum.record(tokens: UInt32(tokens), length: UInt64(payload.count), payload: payload))
        out.bytes.append(contentsOf: payload)
        try appendRaw(out.bytes)
    }

    private func appendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let written = pwrite(descriptor, raw.baseAddress! + offset, raw.count - offset, off_t(validBytes + offset))
                if written < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    _ = ftruncate(descriptor, off_t(validBytes))
                    throw TraceError.writeFailed(path: path, reason: reason)
                }
                offset += written
            }
        }
        validBytes += bytes.count
    }

    /// Closes the file (releasing the lock); `remove` deletes it first.
    func close(remove: Bool) {
        guard descriptor >= 0 else { return }
        if remove { unlink(path) }
        Foundation.close(descriptor)
        descriptor = -1
    }

    deinit { close(remove: false) }

    /// The error for a journal that already exists: in use by a live run, or left by a dead one.
    static func existingJournalError(path: String, trace: String) -> TraceError {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if descriptor >= 0 {
            defer { Foundation.close(descriptor) }
            if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                return .inUse(path: trace, reason: "another marsim run is writing it (its journal \(path) is locked)")
            }
            flock(descriptor, LOCK_UN)
        }
        let tokens = (try? JournalReader(path: path).scan().tokens).map { "\($0) tokens" } ?? "unreadable"
        return .inUse(path: trace, reason: "\(path) is left from a run that did not finish (\(tokens)); read it with "
                      + "`marsim trace \(path)`, then delete it to write this trace again")
    }
}

// MARK: - Reading

/// Reads a journal: its header, then its valid records in order.
final class JournalReader {
    let path: String
    let header: TraceJournal.Header
    let codec: JournalCodec
    private let descriptor: Int32
    private let fileSize: Int
    private let headerEnd: Int

    /// Opens `path` and checks its header.
    ///
    /// - Throws: `TraceError.cannotOpen` when it cannot be read, `.notATrace` / `.inconsistent` for
    ///   a bad header (the header is written before any token, so a journal without a valid one
    ///   holds nothing).
    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw TraceError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            Foundation.close(descriptor)
            throw TraceError.cannotOpen(path: path, reason: "not a regular file")
        }
        self.descriptor = descriptor
        fileSize = Int(info.st_size)
        do {
            let prefix = try Self.read(descriptor, at: 0, count: TraceJournal.headerPrefixBytes, path: path)
            var input = ByteReader(prefix)
            guard Array(prefix.prefix(8)) == TraceJournal.magic else {
                throw TraceError.notATrace(path: path, reason: "not a marsim trace journal (no MARSIMTJ signature)")
            }
            _ = try input.readArray(UInt8.self, count: 8)
            let version = try input.read(UInt32.self)
            guard version == TraceJournal.version else {
                throw TraceError.notATrace(path: path, reason: "journal version \(version) is not readable by this marsim (reads \(TraceJournal.version))")
            }
            _ = try input.read(UInt32.self)
            let length = try input.read(UInt64.self)
            let checksum = try input.read(UInt64.self)
            guard length <= UInt64(min(TraceJournal.maxHeaderBytes, fileSize - TraceJournal.headerPrefixBytes)) else {
                throw TraceError.inconsistent(path: path, reason: "the journal header claims \(length) bytes, more than the file holds")
            }
            let json = try Self.read(descriptor, at: TraceJournal.headerPrefixBytes, count: Int(length), path: path)
            guard JournalChecksum.of(json) == checksum else {
                throw TraceError.inconsistent(path: path, reason: "the journal header is damaged (checksum mismatch)")
            }
            do {
                header = try JSONDecoder().decode(TraceJournal.Header.self, from: Data(json))
            } catch {
                throw TraceError.inconsistent(path: path, reason: "the journal header cannot be decoded")
            }
            if let problem = TraceInputValidation.problem(with: header.metadata) {
                throw TraceError.inconsistent(path: path, reason: "the journal's run metadata is invalid: \(problem)")
            }
            headerEnd = TraceJournal.headerPrefixBytes + Int(length)
        } catch let error as ByteReader.Overrun {
            _ = error
            close(descriptor)
            throw TraceError.cannotOpen(path: path, reason: "the journal is shorter than its header")
        } catch {
            close(descriptor)
            throw error
        }
        codec = JournalCodec(metadata: header.metadata, level: header.level)
    }

    deinit { close(descriptor) }

    /// What a scan found: the tokens and records that are whole, and the bytes after them that are not.
    struct Extent {
        var tokens = 0
        var records = 0
        var validBytes = 0
        var trailingBytes = 0
    }

    /// Visits every token of every valid record in order, and stops at the first record that is
    /// incomplete or damaged. Memory holds one record's bytes and one decoded token at a time.
    ///
    /// - Throws: errors from `body`; `TraceError.inconsistent` when a record with a valid checksum
    ///   does not decode (a journal not written by marsim).
    ///
    /// `limit` reads the file as if it ended after that many bytes (what a kill at that point of
    /// a write would leave), so tests can check every cut without copying the file.
    @discardableResult
    func scan(limit: Int? = nil, _ body: ((TokenActivity) throws -> Void)? = nil) throws -> Extent {
        let fileSize = min(self.fileSize, limit ?? .max)
        var extent = Extent()
        var offset = headerEnd
        let fieldCount = ActivityCounts.fieldNames.count
        while fileSize - offset >= TraceJournal.recordHeaderBytes {
            guard let head = try? Self.read(descriptor, at: offset, count: TraceJournal.recordHeaderBytes, path: path),
                  Array(head.prefix(4)) == TraceJournal.recordMagic else { break }
            var input = ByteReader(head)
            _ = try? input.readArray(UInt8.self, count: 4)
            guard let tokens = try? input.read(UInt32.self), let length = try? input.read(UInt64.self),
                  let checksum = try? input.read(UInt64.self),
                  length <= UInt64(min(TraceJournal.maxRecordBytes, fileSize - offset - TraceJournal.recordHeaderBytes)),
                  Int(tokens) <= Int(length) / 19
            else { break }
            let payload: [UInt8]
            do {
                payload = try Self.read(descriptor, at: offset + TraceJournal.recordHeaderBytes, count: Int(length), path: path)
            } catch { break }
            guard JournalChecksum.record(tokens: tokens, length: length, payload: payload) == checksum else { break }
            if let body {
                var reader = ByteReader(payload)
                var previous = [Int64](repeating: 0, count: codec.unitCount * fieldCount)
                for _ in 0..<tokens {
                    let token: TokenActivity
                    do {
                        token = try codec.decode(&reader, previous: &previous)
                    } catch {
                        throw TraceError.inconsistent(path: path, reason: "journal record \(extent.records) does not decode")
                    }
                    try body(token)
                }
                guard reader.atEnd else {
                    throw TraceError.inconsistent(path: path, reason: "journal record \(extent.records) has bytes left after its tokens")
                }
            }
            offset += TraceJournal.recordHeaderBytes + Int(length)
            extent.tokens += Int(tokens)
            extent.records += 1
        }
        extent.validBytes = offset
        extent.trailingBytes = fileSize - offset
        return extent
    }

    private static func read(_ descriptor: Int32, at offset: Int, count: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw TraceError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 { throw ByteReader.Overrun() }
            done += got
        }
        return bytes
    }
}
