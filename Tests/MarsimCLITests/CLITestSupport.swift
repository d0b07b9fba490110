import ArgumentParser
import Foundation
@testable import MarsimCLI
import MarsimTestSupport
import Testing

/// Running `marsim` commands in-process for tests, and checking their failures.
enum CLI {
    /// Parses and runs `arguments` as the `marsim` command line would.
    static func run(_ arguments: [String]) throws {
        var command = try MarsimCommand.parseAsRoot(arguments)
        try command.run()
    }

    /// Runs `arguments`, expecting it to fail with one line that contains every fragment.
    @discardableResult
    static func expectFailure(_ arguments: [String], _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            try run(arguments)
            Issue.record("\(arguments.joined(separator: " ")) succeeded; expected it to fail", sourceLocation: sourceLocation)
            return nil
        } catch {
            let message = MarsimCommand.message(for: error)
            #expect(!message.contains("\n"), "not one line: \(message)", sourceLocation: sourceLocation)
            #expect(!message.contains("NSCocoaErrorDomain") && !message.contains("Error Domain="), "\(message)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(message.contains(fragment), "\(message)\n  should contain: \(fragment)", sourceLocation: sourceLocation)
            }
            return message
        }
    }

    /// A copy of the embedded checkpoint in `directory`, so a test may aim outputs at its files.
    static func copyCheckpoint(to directory: TemporaryDirectory) throws -> String {
        let copy = directory.file("checkpoint")
        try FileManager.default.copyItem(at: InspectCommandTests.tinyLlambaBytes, to: copy)
        return copy.path
    }

    /// The bytes of the file at `path` (nil when absent).
    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
}
