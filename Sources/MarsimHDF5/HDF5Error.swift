/// A failed HDF5 call: which C function failed, on which file or object, and why.
///
/// `message` is taken from the HDF5 error stack (the outermost and the innermost descriptions),
/// not from HDF5's automatic stderr printing, which MarsimHDF5 turns off.
public struct HDF5Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The C function that returned a failure value, e.g. `H5Fopen`.
    public var function: String
    /// The file, or `file:/object/path`, the call was about.
    public var path: String
    /// What HDF5 said went wrong, on one line (line breaks in HDF5's descriptions become spaces).
    public var message: String

    public init(function: String, path: String, message: String) {
        self.function = function
        self.path = path
        self.message = message.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " ")
    }

    public var description: String { "\(function) failed on \(path): \(message)" }
}

#if canImport(Foundation)
import Foundation

extension HDF5Error: LocalizedError {
    public var errorDescription: String? { description }
}
#endif
