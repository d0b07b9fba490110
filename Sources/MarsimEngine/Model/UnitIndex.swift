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

    public init(unitCount: Int) { counts = Array(repeating: ActivityCounts(), count: unitCount) }

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
