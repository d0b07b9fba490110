import Foundation

/// Counts that cannot be costed together; one line each.
public enum EnergyError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// No tokens: a mean per token is undefined.
    case noTokens
    /// Token `token` has `actual` count rows where the unit list has `expected`.
    case tokenShapeMismatch(token: Int, expected: Int, actual: Int)
    /// The dense baseline has `actual` rows where the unit list has `expected`.
    case baselineShapeMismatch(expected: Int, actual: Int)
    /// A count is negative (counts are numbers of events and accesses).
    case negativeCount(what: String, value: Int)
    /// A sum of counts does not fit in 64 bits.
    case countOverflow(what: String)
    /// A computed energy or latency is not a finite number (the profile's prices times the counts
    /// overflow double precision).
    case nonFinite(what: String, profile: String)
    /// The profile's `[chip]` cannot hold the run's spiking sites by the mapping rule (`ChipMapping`).
    case unmappable(site: String, profile: String, reason: String)
    /// A unit's weights fit in none of the levels the profile's weight placement lists (`WeightPlacement`).
    case weightsDoNotFit(unit: String, bits: Double, profile: String, levels: [String])

    public var description: String {
        switch self {
        case .noTokens:
            return "energy: no tokens to cost; run at least one token"
        case let .tokenShapeMismatch(token, expected, actual):
            return "energy: token \(token) has counts for \(actual) units but the run lists \(expected) units"
        case let .baselineShapeMismatch(expected, actual):
            return "energy: the dense baseline has counts for \(actual) units but the run lists \(expected) units"
        case let .negativeCount(what, value):
            return "energy: \(what) is negative (\(value)); counts cannot be negative"
        case let .countOverflow(what):
            return "energy: the sum of \(what) does not fit in 64 bits"
        case let .nonFinite(what, profile):
            return "energy: \(what) under profile \(profile) is not a finite number (the profile's prices times the counts overflow)"
        case let .unmappable(site, profile, reason):
            return "energy: spiking site \(site) cannot be mapped onto profile \(profile)'s chips: \(reason)"
        case let .weightsDoNotFit(unit, bits, profile, levels):
            return "energy: the weights of \(unit) (\((bits / 8).formatted()) bytes) fit in none of profile \(profile)'s weight levels "
                + "(\(levels.joined(separator: ", "))); add a level without capacity to memory.placement.weights.spill"
        }
    }

    public var errorDescription: String? { description }
}
