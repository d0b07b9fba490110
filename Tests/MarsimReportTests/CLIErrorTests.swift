import Foundation
import MarsimHDF5
import MarsimReport
import Testing

@Suite struct CLIErrorTests {
    /// Foundation's file errors become "<file>: <reason>", never an NSCocoaErrorDomain dump; line breaks become spaces.
    @Test func foundationErrorsAreOneLine() throws {
        let missing = CLIError.wrap(CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/x/y.json"]))
        #expect(missing.description == "/x/y.json: no such file")
        let posix = CLIError.wrap(NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteUnknown.rawValue,
                                          userInfo: [NSFilePathErrorKey: "/x/z", NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))]))
        #expect(posix.description == "/x/z: No space left on device")
        #expect(CLIError.wrap(HDF5Error(function: "H5Fopen", path: "t.h5", message: "a\nb")).description == "H5Fopen failed on t.h5: a b")
        #expect(CLIError.wrap(CocoaError(.fileWriteUnknown)).description == "the file operation failed (Foundation error 512)")
    }
}
