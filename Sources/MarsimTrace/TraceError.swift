import Foundation
import MarsimHDF5

/// Why a trace could not be written or read. Each message is one line that names the file.
public enum TraceError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The trace file could not be created (e.g. its directory is missing or not writable).
    case cannotCreate(path: String, reason: String)
    /// The file is missing, not HDF5, or damaged below the level of the trace layout.
    case cannotOpen(path: String, reason: String)
    /// The file is HDF5 but not a marsim trace (wrong magic, no `/marsim`, unknown format version).
    case notATrace(path: String, reason: String)
    /// A group, dataset or attribute the format requires is absent.
    case missing(path: String, object: String)
    /// An object has another type than the format specifies.
    case wrongType(path: String, object: String, expected: String, found: String)
    /// A dataset has another shape than the format specifies.
    case wrongShape(path: String, object: String, expected: String, found: [Int])
    /// The trace's parts disagree with each other.
    case inconsistent(path: String, reason: String)
    /// The writer was given metadata or a token it cannot record.
    case invalidInput(path: String, reason: String)
    /// A reader was asked for something the trace does not have (a population, a token range).
    case invalidRequest(path: String, reason: String)
    /// The writer has finished, or failed earlier, and accepts no more tokens.
    case closed(path: String, reason: String)
    /// Any other failure inside HDF5.
    case hdf5(path: String, error: HDF5Error)
    /// The trace is being written by another run, or a run that did not finish left its journal.
    case inUse(path: String, reason: String)
    /// Writing failed (e.g. the disk is full); `path` is the file that could not be written.
    case writeFailed(path: String, reason: String)
    /// The trace claims more data than the file holds, or more than marsim reads at once.
    case tooLarge(path: String, reason: String)

    /// The message, always on one line (newlines from HDF5 or a file name become spaces).
    public var description: String { Self.oneLine(text) }

    private var text: String {
        switch self {
        case .cannotCreate(let path, let reason):
            return "cannot create trace \(path): \(reason)"
        case .cannotOpen(let path, let reason):
            return "cannot open trace \(path): \(reason)"
        case .notATrace(let path, let reason):
            return "\(path) is not a marsim trace: \(reason)"
        case .missing(let path, let object):
            return "trace \(path) is damaged or not a marsim trace: \(object) is missing"
        case .wrongType(let path, let object, let expected, let found):
            return "trace \(path) is damaged or not a marsim trace: \(object) is \(found), expected \(expected)"
        case .wrongShape(let path, let object, let expected, let found):
            return "trace \(path) is damaged or not a marsim trace: \(object) has shape \(found), expected \(expected)"
        case .inconsistent(let path, let reason):
            return "trace \(path) is inconsistent: \(reason)"
        case .invalidInput(let path, let reason):
            return "cannot write trace \(path): \(reason)"
        case .invalidRequest(let path, let reason):
            return "trace \(path): \(reason)"
        case .closed(let path, let reason):
            return "trace writer for \(path) is closed: \(reason)"
        case .hdf5(let path, let error):
            return "trace \(path): HDF5 error: \(error.function) on \(error.path): \(error.message)"
        case .inUse(let path, let reason):
            return "cannot write trace \(path): \(reason)"
        case .writeFailed(let path, let reason):
            return "writing \(path) failed: \(reason)"
        case .tooLarge(let path, let reason):
            return "trace \(path) is too large to read: \(reason)"
        }
    }

    public var errorDescription: String? { description }

    /// Newlines (from HDF5's messages or a file name) become spaces: every message is one line.
    static func oneLine(_ text: String) -> String {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " ")
    }
}
