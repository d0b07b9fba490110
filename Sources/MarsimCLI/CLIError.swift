import ArgumentParser

/// An error for the user, printed as one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension CLIError {
    /// Turns any error into a one-line CLIError (its description).
    static func wrap(_ error: Error) -> CLIError {
        if let e = error as? CLIError { return e }
        return CLIError(String(describing: error))
    }
}

/// Runs a command's body so that every failure reaches the user as one line (`ExitCode` passes through).
func oneLineErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        throw CLIError.wrap(error)
    }
}
