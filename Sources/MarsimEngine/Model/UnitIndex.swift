import MarsimCore

/// Constant-time lookup from (layer, kind) to the position of that unit in `ModelShape.units`.
public struct UnitIndex: Sendable {
    public let units: [AccountingUnit]
    private let table: [AccountingUnit: Int]

    public init(shape: ModelShape) {
        units = shape.units
        var table: [AccountingUnit: Int] = [:]
        for (i, unit) in units.enumerated() { table[unit] = i }
        self.table = table
    }

    /// The position of a unit; precondition: the model has it.
    public func callAsFunction(_ layer: Int?, _ kind: UnitKind) -> Int {
        guard let i = table[AccountingUnit(layer: layer, kind: kind)] else {
            preconditionFailure("model has no unit \(AccountingUnit(layer: layer, kind: kind))")
        }
        return i
    }
}

/// Per-unit counts for one token, filled as the forward pass runs.
public struct TokenCounts: Sendable {
    public var counts: [ActivityCounts]
    /// Per unit, this token's share of the weight elements its chunk read when every fetch is shared
    /// by the chunk's tokens and ticks (a dense weight once per chunk; an event site's thresholds and
    /// bias once, and each channel's column once if it fired at any tick of any token), the chunk's
    /// total split evenly over its tokens. For dense units of a token run alone it equals `weightsRead`.
    public var weightsReadShared: [Int]

    public init(unitCount: Int) {
        counts = Array(repeating: ActivityCounts(), count: unitCount)
        weightsReadShared = Array(repeating: 0, count: unitCount)
    }

    /// Counts an RMSNorm over n values (sum of squares: n muls + n adds; scale and weight: 2n muls;
    /// one rsqrt), reading its n weights.
    mutating func rmsNorm(_ unit: Int, n: Int) {
        counts[unit].elementwiseMuls += 3 * n
        counts[unit].elementwiseAdds += n
        counts[unit].elementwiseNonlinear += 1
        counts[unit].weightsRead += n
    }

    /// Counts a dense projection: fanIn·fanOut MACs and weight reads, plus the bias adds.
    mutating func denseProjection(_ unit: Int, _ fanIn: Int, _ fanOut: Int, bias: Bool) {
        counts[unit].denseMACs += fanIn * fanOut
        counts[unit].weightsRead += fanIn * fanOut + (bias ? fanOut : 0)
        if bias { counts[unit].elementwiseAdds += fanOut }
    }
}

/// Token t's share of `total` split evenly over n tokens (integers that add up to `total` exactly).
@inline(__always) func evenShare(_ total: Int, of n: Int, token t: Int) -> Int {
    total * (t + 1) / n - total * t / n
}
