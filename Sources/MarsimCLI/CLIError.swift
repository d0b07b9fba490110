import ArgumentParser
import Foundation

/// An error for the user, printed as one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension CLIError {
    /// Turns any error into a one-line CLIError.
    ///
    /// marsim's own errors describe themselves; Foundation's file errors (`CocoaError`, NSError
    /// with a POSIX cause) would print as `Error Domain=NSCocoaErrorDomain Code=… UserInfo={…}`, so
    /// they become "<file>: <reason>"; a `DecodingError` names its key path. Line breaks become
    /// spaces, whatever the source.
    static func wrap(_ error: Error) -> CLIError {
        if let e = error as? CLIError { return CLIError(oneLine(e.description)) }
        return CLIError(oneLine(describe(error)))
    }

    static func describe(_ error: Error) -> String {
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
    static func foundationMessage(_ error: Error) -> String {
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

    static func oneLine(_ text: String) -> String {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// Runs a command's body so that every failure reaches the user as one line (`ExitCode` passes through).
func oneLineErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        throw CLIError.wrap(error)
    }
}
