import Foundation

/// Counts that cannot be costed together; one line each.
public enum EnergyError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// No tokens: a mean per token is undefined.
    case noTokens
    /// Token `token` has `actual` count rows where the unit list has `expected`.
    case tokenShapeMismatch(token: Int, expected: Int, actual: Int)
    /// The dense baseline has `actual` rows where the unit list has `expected`.
    case baselineShapeMismatch(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .noTokens:
            return "energy: no tokens to cost; run at least one token"
        case let .tokenShapeMismatch(token, expected, actual):
            return "energy: token \(token) has counts for \(actual) units but the run lists \(expected) units"
        case let .baselineShapeMismatch(expected, actual):
            return "energy: the dense baseline has counts for \(actual) units but the run lists \(expected) units"
        }
    }

    public var errorDescription: String? { description }
}
