import Foundation

/// An error for the user of the `marsim` commands, printed as one line (what a bad input, a
/// missing file or a refused setting says). It lives below the commands so that the library code
/// they call (reports, studies) fails with the same one-line messages the commands print.
public struct CLIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension CLIError {
    /// Turns any error into a one-line CLIError.
    ///
    /// marsim's own errors describe themselves; Foundation's file errors (`CocoaError`, NSError
    /// with a POSIX cause) would print as `Error Domain=NSCocoaErrorDomain Code=… UserInfo={…}`, so
    /// they become "<file>: <reason>"; a `DecodingError` names its key path. Line breaks become
    /// spaces, whatever the source.
    public static func wrap(_ error: Error) -> CLIError {
        if let e = error as? CLIError { return CLIError(oneLine(e.description)) }
        return CLIError(oneLine(describe(error)))
    }

    /// Any error as one line of text for the user (see `wrap`).
    public static func describe(_ error: Error) -> String {
        switch error {
        case let error as DecodingError:
            return "cannot decode JSON: " + String(describing: error.localizedDescription)
        case let error as CustomStringConvertible where !(error is NSError) && !(error is CocoaError):
            return error.description
        default:
            return foundationMessage(error)
        }
    }

    /// "<file>: <reason>" for a Foundation error, e.g. "notes.txt: no such file".
    public static func foundationMessage(_ error: Error) -> String {
        let ns = error as NSError
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        var reason: String
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code)))
        } else if ns.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(ns.code)))
        } else {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file"
            case .fileReadNoPermission, .fileWriteNoPermission: reason = "permission denied"
            case .fileWriteOutOfSpace: reason = "no space left on device"
            case .fileReadCorruptFile: reason = "the file is damaged or not in the expected format"
            case .fileReadInapplicableStringEncoding: reason = "not valid UTF-8 text"
            case .fileWriteFileExists: reason = "the file already exists"
            case .fileReadTooLarge: reason = "the file is too large"
            default:
                let text = ns.localizedDescription
                reason = text.contains("NSCocoaErrorDomain") || text.contains("Error Domain=")
                    ? "the file operation failed (Foundation error \(ns.code))" : text
            }
        }
        return path.map { "\($0): \(reason)" } ?? reason
    }

    /// `text` with every line break replaced by a space.
    public static func oneLine(_ text: String) -> String {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// Writes a line to standard error: progress, warnings and "wrote FILE" notes, kept off standard
/// output so that `--json` and tables stay machine-readable.
public func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
