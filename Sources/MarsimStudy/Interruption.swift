import Foundation

/// Set by SIGINT/SIGTERM so a long run can stop between tokens and keep what it has.
public enum Interruption {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0

    /// Installs the handlers (idempotent), and unblocks the two signals: a blocked signal mask is
    /// inherited from the parent process (a test runner, a supervisor), and would make marsim
    /// ignore Ctrl-C and `kill` for good.
    public static func install() {
        signal(SIGINT) { _ in Interruption.flag = 1 }
        signal(SIGTERM) { _ in Interruption.flag = 1 }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// Whether SIGINT or SIGTERM has arrived since `install()`.
    public static var requested: Bool { flag != 0 }
}

/// Thrown from a token callback to stop a run early (after an interrupt).
public struct StopRun: Error {
    public init() {}
}
