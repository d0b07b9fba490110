import ArgumentParser
import Foundation
import MarsimReport

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
